# case: image-snapshot-of-optimised-input-scaled-in-place-before-backward
# source: https://github.com/halahup/NeuralStyleTransfer/issues/1
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# An image optimised directly (style transfer, adversarial examples) is written out mid-step, between the forward
# pass and `backward()`, through `noise.detach().cpu()`. On the CPU `.cpu()` returns the tensor itself and the
# detached alias shares its storage and version counter, so the helper's in-place scaling writes into what the
# convolution saved; on a GPU `.cpu()` copies and nothing is raised: a warning that says so.
import torch
import torch.nn as nn


def to_image(t):
    img = t.squeeze(0)
    img.mul_(255)  # warning: IPL003
    return img.to(torch.uint8)


torch.manual_seed(0)
conv = nn.Conv2d(3, 4, 3)
noise = torch.rand(1, 3, 8, 8, requires_grad=True)
opt = torch.optim.Adam([noise], lr=0.01)
for step in range(2):
    opt.zero_grad()
    loss = conv(noise).pow(2).mean()
    snapshot = to_image(noise.detach().cpu())
    loss.backward()
    opt.step()
