# case: preact-block-out-of-place-relu
# expect: clean
# torch: clean
# check: x.grad is not None and all(p.grad is not None for p in block.parameters())

import torch
from torch import nn


class PreActBlock(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.bn = nn.BatchNorm2d(channels)
        self.relu = nn.ReLU()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x):
        out = self.conv(self.relu(self.bn(x)))
        out += x
        return out


torch.manual_seed(0)
block = PreActBlock(2)
x = torch.randn(2, 2, 4, 4, requires_grad=True)
block(x).sum().backward()
