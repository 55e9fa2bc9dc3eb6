# case: data-write-in-reset-parameters
# expect: clean
# torch: clean
# check: torch.allclose(layer.bias.grad, torch.full((2,), 4.0)) and torch.equal(layer.bias.detach(), torch.zeros(2))

import torch
from torch import nn


class Layer(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(2, 3))
        self.bias = nn.Parameter(torch.empty(2))
        self.reset_parameters()

    def reset_parameters(self):
        self.weight.data.normal_(0.0, 0.02)
        self.bias.data.zero_()

    def forward(self, x):
        return x @ self.weight.T + self.bias


torch.manual_seed(0)
layer = Layer()
x = torch.randn(4, 3)
layer(x).sum().backward()
