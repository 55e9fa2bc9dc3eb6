# case: set-grad-enabled-false-context
# expect: clean
# torch: clean
# check: torch.allclose(w.grad, 2 * torch.tensor([2.0, -1.0]))

import torch

w = torch.tensor([1.0, -2.0], requires_grad=True)
with torch.set_grad_enabled(False):
    w.add_(1)
(w * w).sum().backward()
