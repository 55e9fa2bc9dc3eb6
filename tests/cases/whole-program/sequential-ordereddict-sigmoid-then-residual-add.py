# case: sequential-ordereddict-sigmoid-then-residual-add
# source: inplace-lint issue #13 (the contents of nn.Sequential: layers given as an OrderedDict)
# expect: markers
# torch: raises "which is output 0 of Sigmoid, is at version 1"

from collections import OrderedDict

import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(OrderedDict([
            ("proj", nn.Linear(8, 8)),
            ("gate", nn.Sigmoid()),
        ]))

    def forward(self, x):
        out = self.body(x)
        out += x  # error: IPL003
        return out


Block()(torch.randn(4, 8, requires_grad=True)).sum().backward()
