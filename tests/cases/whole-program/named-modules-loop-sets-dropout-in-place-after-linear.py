# case: named-modules-loop-sets-dropout-in-place-after-linear
# expect: clean
# torch: clean
# check: x.grad is not None

# The same `named_modules()` loop making every Dropout in place, in a net where the Dropout follows a Linear, which
# saves its input, not its output: the in-place Dropout breaks nothing.
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.ff = nn.Sequential(nn.Linear(8, 8), nn.Dropout(0.1))
        for name, m in self.named_modules():
            if isinstance(m, nn.Dropout):
                m.inplace = True

    def forward(self, x):
        return self.ff(x)


x = torch.randn(2, 8, requires_grad=True)
Net()(x).sum().backward()
