# case: moduledict-item-assigned-tanh-cloned-then-add
# source: inplace-lint issue #13 (the contents of nn.ModuleDict, filled by item assignment)
# expect: clean
# torch: clean
# check: branches.fc.weight.grad is not None

import torch
import torch.nn as nn


class Branches(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.acts = nn.ModuleDict()
        self.acts["tanh"] = nn.Tanh()
        self.acts["relu"] = nn.ReLU()

    def forward(self, x):
        h = self.acts["tanh"](self.fc(x)).clone()
        h += x  # a copy of what Tanh saved
        return h


branches = Branches()
branches(torch.randn(4, 8)).sum().backward()
