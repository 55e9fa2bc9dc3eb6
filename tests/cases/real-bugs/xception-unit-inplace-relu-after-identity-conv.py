# case: xception-unit-inplace-relu-after-identity-conv
# source: https://github.com/osmr/imgclsmob/issues/13
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# imgclsmob's Xception unit, as the issue describes it: `self.activ = nn.ReLU(inplace=True)` used as
# `x = self.activ(x)` at the start of the body, after the identity convolution has saved x. Reduced to one
# separable-conv stage.
import torch
import torch.nn as nn


class XceptionUnit(nn.Module):
    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.resize_identity = in_channels != out_channels
        if self.resize_identity:
            self.identity_conv = nn.Conv2d(in_channels, out_channels, 1)
        self.activ = nn.ReLU(inplace=True)
        self.conv = nn.Conv2d(in_channels, out_channels, 3, padding=1)

    def forward(self, x):
        if self.resize_identity:
            identity = self.identity_conv(x)
        else:
            identity = x
        x = self.activ(x)  # error: IPL003
        x = self.conv(x)
        x = x + identity
        return x


torch.manual_seed(0)
stem = nn.Conv2d(1, 2, 1)
unit = XceptionUnit(2, 3)
out = unit(stem(torch.rand(1, 1, 4, 4)))
out.sum().backward()
