# case: sequential-ordereddict-linear-last-then-residual-add
# source: inplace-lint issue #13 (the contents of nn.Sequential: layers given as an OrderedDict)
# expect: clean
# torch: clean
# check: block.body.gate is not None and x.grad is not None

from collections import OrderedDict

import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(OrderedDict([
            ("gate", nn.Sigmoid()),
            ("proj", nn.Linear(8, 8)),
        ]))

    def forward(self, x):
        out = self.body(x)
        out += x  # a Linear saves its input, not its output
        return out


block = Block()
x = torch.randn(4, 8, requires_grad=True)
block(x).sum().backward()
