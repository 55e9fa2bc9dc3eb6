# case: activation-by-getattr-name-then-add-in-place
# source: inplace-lint issue #13 (the block's activation built as getattr(nn, name)(), as in UNet-style code)
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"
import torch
from torch import nn


class Block(nn.Module):
    def __init__(self, channels, activation="Sigmoid"):
        super().__init__()
        self.body = nn.Sequential(nn.Conv1d(channels, channels, 3, padding=1), getattr(nn, activation)())

    def forward(self, x):
        out = self.body(x)
        out += x  # error: IPL003
        return out


Block(4)(torch.randn(2, 4, 8, requires_grad=True)).sum().backward()
