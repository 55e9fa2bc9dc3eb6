# case: write-before-the-op-that-saves
# expect: clean
# torch: clean
# check: a.grad is not None and float(a.grad[0]) == 0.0 and float(a.grad[2]) == 0.0

import torch

a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
h = a * 2
h[0] = 0
h.clamp_(max=5.0)
y = torch.sigmoid(h) * h
y.sum().backward()
