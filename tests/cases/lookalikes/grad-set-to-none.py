# case: grad-set-to-none
# expect: clean
# torch: clean
# check: w.grad is None and torch.allclose(w, torch.tensor([0.8, -1.6]))

import torch

w = torch.tensor([1.0, -2.0], requires_grad=True)
opt = torch.optim.SGD([w], lr=0.1)
(w * w).sum().backward()
opt.step()
opt.zero_grad(set_to_none=True)
w.grad = None
