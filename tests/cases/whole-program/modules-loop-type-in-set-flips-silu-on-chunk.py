# case: modules-loop-type-in-set-flips-silu-on-chunk
# source: inplace-lint (the ultralytics initialize_weights of https://github.com/lewandofskee/MobileMamba/issues/14, reduced)
# expect: markers
# torch: raises "is a view and is being modified inplace"

# `t = type(m)` and `t in {nn.ReLU, nn.SiLU}` pick the activations of a `.modules()` loop, which become in place:
# the gate's SiLU then writes an output of `chunk`.
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
        t = type(m)
        if t is nn.BatchNorm2d:
            m.eps = 1e-3
        elif t in {nn.ReLU, nn.SiLU}:
            m.inplace = True  # error: IPL009


model = Gate()
initialize_weights(model)
model(torch.randn(1, 4, 3, 3)).sum().backward()
