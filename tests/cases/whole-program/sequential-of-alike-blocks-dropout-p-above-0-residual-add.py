# case: sequential-of-alike-blocks-dropout-p-above-0-residual-add
# expect: clean
# torch: clean
# check: all(p.grad is not None for p in stack.parameters())

# The stack of sequential-of-alike-blocks-dropout-p0-residual-add with blocks built with p=0.1: in training each
# dropout returns a new tensor, and the in-place residual add writes that, which no op saved.
import torch
from torch import nn


class Block(nn.Module):
    def __init__(self, c, p=0.0):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(c, c), nn.ReLU(), nn.Dropout(p))

    def forward(self, x):
        res = x
        x = self.body(x)
        x += res
        return x


stack = nn.Sequential(*[Block(4, p=0.1) for _ in range(3)])
stack(torch.randn(2, 4)).sum().backward()
