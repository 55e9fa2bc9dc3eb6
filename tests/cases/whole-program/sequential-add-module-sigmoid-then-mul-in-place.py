# case: sequential-add-module-sigmoid-then-mul-in-place
# source: inplace-lint issue #13 (the contents of nn.Sequential: layers added with add_module)
# expect: markers
# torch: raises "which is output 0 of Sigmoid, is at version 1"

import torch
import torch.nn as nn


class Gate(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.net = nn.Sequential()
        self.net.add_module("proj", nn.Linear(dim, dim))
        self.net.add_module("act", nn.Sigmoid())

    def forward(self, x):
        g = self.net(x)
        g.mul_(2)  # error: IPL003
        return g


Gate(8)(torch.randn(4, 8)).sum().backward()
