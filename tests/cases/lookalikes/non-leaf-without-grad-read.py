# case: non-leaf-without-grad-read
# expect: clean
# torch: clean
# check: torch.allclose(w.grad, torch.tensor([3.0, 0.0]))

import torch

w = torch.tensor([1.0, 2.0], requires_grad=True)
h = w * 3
h = torch.clamp(h, 0, 4)
h.sum().backward()
