# case: modules-loop-dropout-inplace-after-sigmoid
# source: inplace-lint issue #13 (the Net example)
# expect: markers
# torch: raises "which is output 0 of Sigmoid, is at version 1"

import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.ff = nn.Sequential(nn.Linear(8, 8), nn.Sigmoid(), nn.Dropout(0.1))
        for m in self.modules():
            if isinstance(m, nn.Dropout):
                m.inplace = True  # error: IPL003

    def forward(self, x):
        return self.ff(x)


Net()(torch.randn(2, 8)).sum().backward()
