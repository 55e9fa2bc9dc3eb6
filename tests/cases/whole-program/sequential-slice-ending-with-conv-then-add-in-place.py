# case: sequential-slice-ending-with-conv-then-add-in-place
# source: https://github.com/halahup/NeuralStyleTransfer/issues/1
# expect: clean
# torch: clean
# check: image.grad is not None

# The same feature slices, but the slice taken ends with the convolution (`self.vgg[:1]`), which saves its input and
# weight, not its output: shifting the feature map in place breaks nothing.
import torch
import torch.nn as nn


class Features(nn.Module):
    def __init__(self):
        super().__init__()
        self.vgg = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 8, 3, padding=1), nn.ReLU())

    def content(self, x):
        f = self.vgg[:1](x)
        f += 1.0
        return f


torch.manual_seed(0)
net = Features()
image = torch.rand(1, 3, 8, 8, requires_grad=True)
net.content(image).pow(2).mean().backward()
