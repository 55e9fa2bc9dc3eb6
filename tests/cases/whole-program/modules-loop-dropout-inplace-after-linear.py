# case: modules-loop-dropout-inplace-after-linear
# source: inplace-lint issue #13 (the Net example, the dropout after a layer that does not save its output)
# expect: clean
# torch: clean
# check: net.ff[0].weight.grad is not None

import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.ff = nn.Sequential(nn.Linear(8, 8), nn.Dropout(0.1), nn.Linear(8, 2))
        for m in self.modules():
            if isinstance(m, nn.Dropout):
                m.inplace = True

    def forward(self, x):
        return self.ff(x)


net = Net()
net(torch.randn(2, 8)).sum().backward()
