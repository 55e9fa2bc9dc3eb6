# case: mpfuture-state-allocated-outside-inference-mode-fixed
# source: https://github.com/learning-at-home/hivemind/pull/521
# expect: clean
# torch: clean
# check: queue[0].running() and not queue[0]._shared_state_code.is_inference()

# Look-alike of mpfuture-state-created-in-inference-mode: the shared state tensor is
# allocated with inference mode switched off (`torch.inference_mode(False)`), so it is a
# normal tensor even when the future is created inside `torch.inference_mode()`, and the
# setter's in-place write outside inference mode is allowed.
import concurrent.futures._base as base

import torch

ALL_STATES = base.PENDING, base.RUNNING, base.FINISHED, base.CANCELLED, base.CANCELLED_AND_NOTIFIED
TERMINAL_STATES = {base.FINISHED, base.CANCELLED, base.CANCELLED_AND_NOTIFIED}


class MPFuture(base.Future):
    def __init__(self):
        with torch.inference_mode(False):
            self._shared_state_code = torch.empty([], dtype=torch.uint8).share_memory_()
        self._state_cache = {}
        base.Future.__init__(self)
        self._state, self._result, self._exception = base.PENDING, None, None

    @property
    def _state(self):
        shared_state = ALL_STATES[self._shared_state_code.item()]
        return self._state_cache.get(shared_state, shared_state)

    @_state.setter
    def _state(self, new_state):
        self._shared_state_code[...] = ALL_STATES.index(new_state)

    def running(self):
        return self._state == base.RUNNING

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

for future in queue:
    future.set_running_or_notify_cancel()
