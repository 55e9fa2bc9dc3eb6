# case: sequential-sigmoid-then-residual-add
# source: inplace-lint issue #13 (the Block example)
# expect: markers
# torch: raises "which is output 0 of Sigmoid, is at version 1"

import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(8, 8, 3, padding=1), nn.Sigmoid())

    def forward(self, x):
        out = self.body(x)
        out += x  # error: IPL003
        return out


Block()(torch.randn(1, 8, 4, 4, requires_grad=True)).sum().backward()
