# case: attribute-set-by-one-method-written-by-a-later-one
# source: inplace-lint issue #13 (state across calls, as in the ganimator and rdd cases of tests/cases/real-bugs: one method keeps an op's output in an attribute, a later call of another method writes it in place before backward)
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"
import torch
from torch import nn


class Gate(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(4, 4)
        self.gates = None

    def compute(self, x):
        self.gates = torch.sigmoid(self.proj(x))
        return self.gates.sum()

    def sharpen(self):
        self.gates.mul_(2)  # error: IPL003


g = Gate()
loss = g.compute(torch.randn(3, 4))
g.sharpen()
loss.backward()
