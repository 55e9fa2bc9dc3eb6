# case: no-grad-among-other-context-managers
# expect: clean
# torch: clean
# check: torch.allclose(w, torch.tensor([0.8, -1.6]))

import contextlib

import torch

w = torch.tensor([1.0, -2.0], requires_grad=True)
(w * w).sum().backward()
with contextlib.nullcontext(), torch.no_grad():
    w.sub_(0.1 * w.grad)
