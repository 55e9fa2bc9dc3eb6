# case: no-grad-write-to-unsaved-tensor
# expect: clean
# torch: clean
# check: torch.equal(x.grad, torch.full((3,), 6.0))

import torch

x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
h = x * 2
with torch.no_grad():
    h.add_(1)
    h[0] = 10.0
(h * 3).sum().backward()
