# case: clamp-fresh-rand-noise
# expect: clean
# torch: clean
# check: torch.equal(w.grad, noise)

import torch

torch.manual_seed(0)
w = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
noise = torch.rand(3)
noise.clamp_(0.1, 0.9)
noise *= 2
loss = (w * noise).sum()
loss.backward()
