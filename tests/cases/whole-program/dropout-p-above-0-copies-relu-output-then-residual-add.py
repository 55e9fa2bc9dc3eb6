# case: dropout-p-above-0-copies-relu-output-then-residual-add
# expect: clean
# torch: clean
# check: x.grad is not None and bool(torch.isfinite(x.grad).all())

# The block of dropout-p0-returns-relu-output-then-residual-add built with p=0.1: in training the dropout returns a
# new tensor (it saves its mask, not its input or output), so `x += res` writes nothing a backward needs.
import torch
from torch import nn


class Block(nn.Module):
    def __init__(self, p=0.0):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Dropout(p=p))

    def forward(self, x):
        res = x
        x = self.body(x)
        x += res
        return x


x = torch.randn(2, 4, requires_grad=True)
Block(p=0.1)(x).sum().backward()
