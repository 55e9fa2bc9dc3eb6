# case: xception-unit-out-of-place-relu-after-identity-conv
# source: https://github.com/osmr/imgclsmob/issues/13
# expect: clean
# torch: clean
# check: unit.identity_conv.weight.grad is not None and unit.conv.weight.grad is not None

# The proposed fix: the unit's activation without inplace=True.
import torch
import torch.nn as nn


class XceptionUnit(nn.Module):
    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.resize_identity = in_channels != out_channels
        if self.resize_identity:
            self.identity_conv = nn.Conv2d(in_channels, out_channels, 1)
        self.activ = nn.ReLU()
        self.conv = nn.Conv2d(in_channels, out_channels, 3, padding=1)

    def forward(self, x):
        if self.resize_identity:
            identity = self.identity_conv(x)
        else:
            identity = x
        x = self.activ(x)
        x = self.conv(x)
        x = x + identity
        return x


torch.manual_seed(0)
stem = nn.Conv2d(1, 2, 1)
unit = XceptionUnit(2, 3)
out = unit(stem(torch.rand(1, 1, 4, 4)))
out.sum().backward()
