# case: sequential-batchnorm-then-residual-add
# source: inplace-lint issue #13 (the Block example, with a layer that saves its input, not its output)
# expect: clean
# torch: clean
# check: x.grad is not None and block.body[0].weight.grad is not None

import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(8, 8, 3, padding=1), nn.BatchNorm2d(8))

    def forward(self, x):
        out = self.body(x)
        out += x
        return out


block = Block()
x = torch.randn(2, 8, 4, 4, requires_grad=True)
block(x).sum().backward()
