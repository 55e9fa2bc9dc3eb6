# case: attribute-set-by-one-method-written-after-backward
# source: inplace-lint issue #13 (the look-alike of attribute-set-by-one-method-written-by-a-later-one: the backward runs before the later call writes the kept output in place)
# expect: clean
# torch: clean
# check: g.proj.weight.grad is not None
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
        self.gates.mul_(2)


g = Gate()
loss = g.compute(torch.randn(3, 4))
loss.backward()
with torch.no_grad():
    g.sharpen()
