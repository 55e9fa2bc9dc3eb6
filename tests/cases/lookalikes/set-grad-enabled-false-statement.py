# case: set-grad-enabled-false-statement
# expect: clean
# torch: clean
# check: torch.is_grad_enabled() and torch.allclose(w.grad, 2 * torch.tensor([2.0, -1.0]))

import torch

w = torch.tensor([1.0, -2.0], requires_grad=True)
torch.set_grad_enabled(False)
w.add_(1)
torch.set_grad_enabled(True)
(w * w).sum().backward()
