# case: named-modules-loop-sets-dropout-in-place-after-sigmoid
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# The issue's `.modules()` loop written with `named_modules()`: every Dropout is made in place, and the one after the
# Sigmoid overwrites the output the Sigmoid saved.
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.ff = nn.Sequential(nn.Linear(8, 8), nn.Sigmoid(), nn.Dropout(0.1))
        for name, m in self.named_modules():
            if isinstance(m, nn.Dropout):
                m.inplace = True  # error: IPL003

    def forward(self, x):
        return self.ff(x)


Net()(torch.randn(2, 8, requires_grad=True)).sum().backward()
