# case: deep-helper-result-copied-then-written
# expect: clean
# torch: clean
# check: model.block.w.grad is not None

# deep-helper-result-saved-then-written with the gate scaled out of place: nothing sigmoid saved is written.
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
    g = g * 2
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


model = Model()
model(torch.randn(2, 4)).sum().backward()
