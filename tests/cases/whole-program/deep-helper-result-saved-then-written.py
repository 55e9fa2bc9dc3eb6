# case: deep-helper-result-saved-then-written
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# The gate is computed four calls down (mix -> gate -> smooth -> activate -> squash), deeper than the
# call-site analysis follows: squash's summary says it returns the result of torch.sigmoid, which saved it; the
# caller then scales that result in place, which breaks backward.
import torch
import torch.nn as nn


def squash(t):
    return torch.sigmoid(t)


def activate(t):
    return squash(t)


def smooth(t):
    return activate(t)


def gate(t):
    return smooth(t)


def mix(h, w):
    g = gate(h @ w)
    g.mul_(2)  # error: IPL003
    return g


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.randn(4, 4))

    def forward(self, x):
        return mix(x, self.w)


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()

    def forward(self, x):
        return self.block(x)


Model()(torch.randn(2, 4)).sum().backward()
