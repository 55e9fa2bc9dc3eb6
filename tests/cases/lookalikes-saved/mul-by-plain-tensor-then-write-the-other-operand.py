# case: mul-by-plain-tensor-then-write-the-other-operand
# expect: clean
# torch: clean
# check: torch.equal(x.grad, scale)

import torch

x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
h = x + 1
scale = torch.tensor([2.0, 3.0, 4.0])
c = h * scale
h.add_(1)
h[0] = 0
c.sum().backward()
