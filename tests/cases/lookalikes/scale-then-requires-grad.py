# case: scale-then-requires-grad
# expect: clean
# torch: clean
# check: a.is_leaf and torch.allclose(g, torch.tensor(-1.0))

import torch

a = torch.tensor(5.0) * 0.1
a.requires_grad_()
loss = (a - 1.0) ** 2
loss.backward()
g = a.grad
