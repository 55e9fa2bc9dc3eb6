# case: branch-save-in-callee-of-caller-tensor
# source: inplace-lint issue #13
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# The callee saves its argument in one branch (`h * self.w` saves `h`) and rebinds the name: inside the callee nothing
# reaches the saved tensor any more, but the caller still holds it as `y`, and writes it in place after the call.
# Torch raises whenever the branch ran, as it does here.
import torch
import torch.nn as nn


class Scale(nn.Module):
    def __init__(self, gated):
        super().__init__()
        self.gated = gated
        self.w = nn.Parameter(torch.ones(4))

    def forward(self, h):
        if self.gated:
            h = h * self.w
        return h


class Block(nn.Module):
    def __init__(self, gated):
        super().__init__()
        self.lin = nn.Linear(4, 4)
        self.scale = Scale(gated)

    def forward(self, x):
        y = self.lin(x)
        out = self.scale(y)
        y += 1  # error: IPL003
        return out + y


torch.manual_seed(0)
Block(True)(torch.rand(2, 4)).sum().backward()
