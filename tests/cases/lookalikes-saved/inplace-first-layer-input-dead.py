# case: inplace-first-layer-input-dead
# expect: clean
# torch: clean
# check: stem.weight.grad is not None and torch.allclose(model(stem(inputs)), reference)

import torch
from torch import nn


class PreAct(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = nn.Sequential(nn.ReLU(inplace=True), nn.Linear(3, 3))
        self.head = nn.Linear(3, 1)

    def forward(self, x):
        x = self.block(x)
        return self.head(x)


torch.manual_seed(0)
model = PreAct()
stem = nn.Linear(2, 3)
inputs = torch.randn(4, 2)
model(stem(inputs)).sum().backward()
reference = model.head(model.block[1](torch.relu(stem(inputs))))
