# case: sequential-add-module-linear-last-then-mul-in-place
# source: inplace-lint issue #13 (the contents of nn.Sequential: layers added with add_module)
# expect: clean
# torch: clean
# check: gate.net.proj.weight.grad is not None

import torch
import torch.nn as nn


class Gate(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.net = nn.Sequential()
        self.net.add_module("act", nn.Sigmoid())
        self.net.add_module("proj", nn.Linear(dim, dim))

    def forward(self, x):
        g = self.net(x)
        g.mul_(2)  # the Linear's output: saved by nothing
        return g


gate = Gate(8)
gate(torch.randn(4, 8)).sum().backward()
