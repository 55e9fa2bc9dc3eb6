# case: cat-output-scaled-in-place
# expect: clean
# torch: clean
# check: torch.allclose(a.grad, 2 * (1 - torch.tanh(a.detach()) ** 2)) and torch.equal(b.grad, torch.tensor([2.0]))

import torch

a = torch.tensor([1.0, 2.0], requires_grad=True)
b = torch.tensor([3.0], requires_grad=True)
h = torch.tanh(a)
both = torch.cat([h, b])
both.mul_(2)
both.sum().backward()
