# case: inplace-first-layer-on-a-clone
# expect: clean
# torch: clean
# check: torch.allclose(out, reference) and stem.weight.grad is not None

import torch
from torch import nn


class PreActBlock(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = nn.Sequential(nn.ReLU(inplace=True), nn.Linear(3, 3))

    def forward(self, x):
        out = self.block(x.clone())
        out += x
        return out


torch.manual_seed(0)
stem = nn.Linear(2, 3)
block = PreActBlock()
inputs = torch.randn(4, 2)
out = block(stem(inputs))
out.sum().backward()
with torch.no_grad():
    h = stem(inputs)
    reference = block.block[1](torch.relu(h)) + h
