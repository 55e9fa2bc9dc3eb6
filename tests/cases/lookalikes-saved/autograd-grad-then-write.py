# case: autograd-grad-then-write
# expect: clean
# torch: clean
# check: torch.allclose(g, torch.sigmoid(x.detach()) * (1 - torch.sigmoid(x.detach())))

import torch

x = torch.tensor([1.0, -2.0, 0.5], requires_grad=True)
h = torch.sigmoid(x)
(g,) = torch.autograd.grad(h.sum(), x)
h.mul_(2)
h += 1
