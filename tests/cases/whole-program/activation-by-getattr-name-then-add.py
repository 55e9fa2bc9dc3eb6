# case: activation-by-getattr-name-then-add
# source: inplace-lint issue #13 (look-alike: the getattr(nn, name)() activation and the residual add is out of place)
# expect: clean
# torch: clean
# check: block.body[0].weight.grad is not None
import torch
from torch import nn


class Block(nn.Module):
    def __init__(self, channels, activation="Sigmoid"):
        super().__init__()
        self.body = nn.Sequential(nn.Conv1d(channels, channels, 3, padding=1), getattr(nn, activation)())

    def forward(self, x):
        out = self.body(x)
        out = out + x
        return out


block = Block(4)
block(torch.randn(2, 4, 8, requires_grad=True)).sum().backward()
