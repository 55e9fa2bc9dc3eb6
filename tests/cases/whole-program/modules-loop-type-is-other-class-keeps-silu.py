# case: modules-loop-type-is-other-class-keeps-silu
# source: inplace-lint (the look-alike of modules-loop-type-in-set-flips-silu-on-chunk)
# expect: clean
# torch: clean
# check: model.proj.weight.grad is not None and not model.act.inplace

# The loop makes only the ReLUs in place (`type(m) is nn.ReLU`): the gate's SiLU stays out of place.
import torch
import torch.nn as nn


class Gate(nn.Module):
    def __init__(self, c=4):
        super().__init__()
        self.proj = nn.Conv2d(c, 2 * c, 1)
        self.act = nn.SiLU()

    def forward(self, x):
        x, z = self.proj(x).chunk(2, dim=1)
        z = self.act(z)
        return x * z


def initialize_weights(model):
    for m in model.modules():
        if type(m) is nn.ReLU:
            m.inplace = True


model = Gate()
initialize_weights(model)
model(torch.randn(1, 4, 3, 3)).sum().backward()
