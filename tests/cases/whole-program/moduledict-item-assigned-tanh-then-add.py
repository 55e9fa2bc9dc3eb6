# case: moduledict-item-assigned-tanh-then-add
# source: inplace-lint issue #13 (the contents of nn.ModuleDict, filled by item assignment)
# expect: markers
# torch: raises "which is output 0 of Tanh, is at version 1"

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
        h = self.acts["tanh"](self.fc(x))
        h += x  # error: IPL003
        return h


Branches()(torch.randn(4, 8)).sum().backward()
