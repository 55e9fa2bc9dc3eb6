# case: data-write-in-init
# expect: clean
# torch: clean
# check: gate.lin.bias.grad is not None and torch.equal(gate.lin.bias.detach(), torch.tensor([1.0]))

import torch
from torch import nn


class Gate(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(2, 1)
        self.lin.bias.data.fill_(1.0)
        self.lin.weight.data[0, 0] = 0.0

    def forward(self, x):
        return torch.sigmoid(self.lin(x))


gate = Gate()
x = torch.tensor([[1.0, 2.0]])
gate(x).sum().backward()
