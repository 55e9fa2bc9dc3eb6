# case: enumerate-two-stages-first-relu-output-cloned-then-accumulated
# source: inplace-lint issue #13 (the look-alike of enumerate-two-stages-first-relu-output-accumulated-in-place: the first stage's output is cloned before the later stage adds into it)
# expect: clean
# torch: clean
# check: head.stages[0][0].weight.grad is not None
import torch
from torch import nn


class Head(nn.Module):
    def __init__(self):
        super().__init__()
        self.stages = nn.ModuleList([
            nn.Sequential(nn.Linear(8, 8), nn.ReLU()),
            nn.Sequential(nn.Linear(8, 8), nn.ReLU()),
        ])

    def forward(self, x):
        for i, stage in enumerate(self.stages):
            y = stage(x)
            if not i:
                total = y.clone()
            else:
                total.add_(y)
        return total


head = Head()
head(torch.randn(3, 8, requires_grad=True)).sum().backward()
