# case: property-getter-result-scaled
# source: inplace-lint issue #13 (look-alike: the scale from the property getter is doubled out of place)
# expect: clean
# torch: clean
# check: kernel.raw_scale.grad is not None
import torch
from torch import nn


class Kernel(nn.Module):
    def __init__(self):
        super().__init__()
        self.raw_scale = nn.Parameter(torch.zeros(3))

    @property
    def scale(self):
        return torch.sigmoid(self.raw_scale)

    def forward(self, x):
        s = self.scale
        s = s * 2
        return x * s


kernel = Kernel()
kernel(torch.randn(2, 3)).sum().backward()
