# case: image-snapshot-of-optimised-input-copied-before-scaling
# source: https://github.com/halahup/NeuralStyleTransfer/issues/1
# expect: clean
# torch: clean
# check: noise.grad is not None

# The same mid-step snapshot of the optimised image, taken as a copy (`noise.detach().cpu().clone()`, what
# torchvision's later `save_image` does with `grid.mul(255)`): the scaling writes into the copy only.
import torch
import torch.nn as nn


def to_image(t):
    img = t.squeeze(0)
    img.mul_(255)
    return img.to(torch.uint8)


torch.manual_seed(0)
conv = nn.Conv2d(3, 4, 3)
noise = torch.rand(1, 3, 8, 8, requires_grad=True)
opt = torch.optim.Adam([noise], lr=0.01)
for step in range(2):
    opt.zero_grad()
    loss = conv(noise).pow(2).mean()
    snapshot = to_image(noise.detach().cpu().clone())
    loss.backward()
    opt.step()
