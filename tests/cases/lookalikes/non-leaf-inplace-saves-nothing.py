# case: non-leaf-inplace-saves-nothing
# expect: clean
# torch: clean
# check: torch.allclose(a.grad, torch.full((3,), 2.0))

import torch

a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
b = a + 1
b.mul_(2)
b.sum().backward()
