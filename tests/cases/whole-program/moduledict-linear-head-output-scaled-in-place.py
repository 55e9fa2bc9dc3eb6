# case: moduledict-linear-head-output-scaled-in-place
# source: inplace-lint issue #13 (the contents of nn.ModuleDict)
# expect: clean
# torch: clean
# check: heads.parts["proj"].weight.grad is not None

import torch
import torch.nn as nn


class Heads(nn.Module):
    def __init__(self):
        super().__init__()
        self.parts = nn.ModuleDict({"proj": nn.Linear(8, 8), "act": nn.Sigmoid(), "out": nn.Linear(8, 2)})

    def forward(self, x):
        h = self.parts["proj"](x)
        h *= 0.5  # the Linear's output: saved by nothing
        return self.parts["out"](self.parts["act"](h))


heads = Heads()
heads(torch.randn(4, 8)).sum().backward()
