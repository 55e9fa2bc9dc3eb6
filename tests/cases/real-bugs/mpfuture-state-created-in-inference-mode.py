# case: mpfuture-state-created-in-inference-mode
# source: https://github.com/learning-at-home/hivemind/pull/521
# expect: markers
# torch: raises "Inplace update to inference tensor outside InferenceMode is not allowed"

# The PR: hivemind's MPFuture keeps its state in a tiny shared-memory tensor
# `self._shared_state_code` allocated in __init__, and the `_state` setter writes it in place
# (`self._shared_state_code[...] = ...`). When a future is created inside
# `torch.inference_mode()` (a server's forward, as found in petals) and its state is changed
# outside it, the write hits an inference tensor. Trimmed to the state machinery (no pipes,
# no processes); the server function is a plausible completion.
import concurrent.futures._base as base

import torch

ALL_STATES = base.PENDING, base.RUNNING, base.FINISHED, base.CANCELLED, base.CANCELLED_AND_NOTIFIED
TERMINAL_STATES = {base.FINISHED, base.CANCELLED, base.CANCELLED_AND_NOTIFIED}


class MPFuture(base.Future):
    def __init__(self):
        self._shared_state_code = torch.empty([], dtype=torch.uint8).share_memory_()
        self._state_cache = {}
        base.Future.__init__(self)  # parent init is deferred because it uses self._shared_state_code
        self._state, self._result, self._exception = base.PENDING, None, None

    @property
    def _state(self):
        shared_state = ALL_STATES[self._shared_state_code.item()]
        return self._state_cache.get(shared_state, shared_state)

    @_state.setter
    def _state(self, new_state):
        self._shared_state_code[...] = ALL_STATES.index(new_state)  # error: IPL011

    def set_running_or_notify_cancel(self):
        if self._state == base.PENDING:
            self._state = base.RUNNING
            return True
        elif self._state == base.CANCELLED:
            return False
        raise RuntimeError(f"Can't set_running_or_notify_cancel when future is in {self._state}")


def submit_task(queue):
    future = MPFuture()
    queue.append(future)
    return future


queue = []
with torch.inference_mode():
    submit_task(queue)

for future in queue:  # the runtime picks tasks up outside inference mode
    future.set_running_or_notify_cancel()
