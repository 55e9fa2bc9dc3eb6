# case: property-getter-result-scaled-in-place
# source: inplace-lint issue #13 (a positive scale computed by a property getter, GPyTorch-style, then doubled in place)
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"
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
        s.mul_(2)  # error: IPL003
        return x * s


Kernel()(torch.randn(2, 3)).sum().backward()
