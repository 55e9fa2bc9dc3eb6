# case: branch-save-then-inplace-write
# source: inplace-lint issue #13
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# The save happens in one branch of an `if` (the product saves `h` when `self.gated`), the in-place write into
# `h` after the `if`: torch raises whenever the branch ran, as it does here.
import torch
import torch.nn as nn


class Gate(nn.Module):
    def __init__(self, gated):
        super().__init__()
        self.gated = gated
        self.lin = nn.Linear(4, 4)

    def forward(self, x):
        h = self.lin(x)
        if self.gated:
            out = h * torch.sigmoid(h)
        else:
            out = 2 * h
        h.add_(1)  # error: IPL003
        return out + h


torch.manual_seed(0)
Gate(True)(torch.rand(2, 4)).sum().backward()
