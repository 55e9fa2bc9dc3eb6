# case: moduledict-sigmoid-head-output-scaled-in-place
# source: inplace-lint issue #13 (the contents of nn.ModuleDict)
# expect: markers
# torch: raises "which is output 0 of Sigmoid, is at version 1"

import torch
import torch.nn as nn


class Heads(nn.Module):
    def __init__(self):
        super().__init__()
        self.parts = nn.ModuleDict({"proj": nn.Linear(8, 8), "act": nn.Sigmoid(), "out": nn.Linear(8, 2)})

    def forward(self, x):
        h = self.parts["act"](self.parts["proj"](x))
        h *= 0.5  # error: IPL003
        return self.parts["out"](h)


Heads()(torch.randn(4, 8)).sum().backward()
