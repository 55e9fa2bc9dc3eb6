# case: grad-zero-inplace
# expect: clean
# torch: clean
# check: torch.allclose(w.grad, 2 * torch.tensor([1.0, -2.0]))

import torch

w = torch.tensor([1.0, -2.0], requires_grad=True)
(w * w).sum().backward()
w.grad.zero_()
(w * w).sum().backward()
