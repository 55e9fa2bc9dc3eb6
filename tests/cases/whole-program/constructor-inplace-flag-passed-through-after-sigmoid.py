# case: constructor-inplace-flag-passed-through-after-sigmoid
# source: inplace-lint issue #13 (`inplace=` given to a block's constructor and passed on to its activation)
# expect: markers
# torch: raises "which is output 0 of Sigmoid, is at version 1"

import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self, width, inplace=False):
        super().__init__()
        self.fc = nn.Linear(width, width)
        self.act = nn.ReLU(inplace=inplace)

    def forward(self, x):
        gate = torch.sigmoid(self.fc(x))
        return self.act(gate)  # error: IPL003


block = Block(4, inplace=True)
block(torch.randn(2, 4)).sum().backward()
