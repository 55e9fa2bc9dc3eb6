# case: enumerate-two-stages-first-relu-output-accumulated-in-place
# source: inplace-lint issue #13 (first-pass accumulation over a ModuleList known position by position: `nn.ModuleList([Stage(...), Stage(...)])`, each stage a Sequential ending in a ReLU; `if not i:` keeps the first stage's output)
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"
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
                total = y
            else:
                total.add_(y)  # error: IPL003
        return total


Head()(torch.randn(3, 8, requires_grad=True)).sum().backward()
