# case: running-stat-buffer
# expect: clean
# torch: clean
# check: torch.allclose(norm.running_mean, torch.tensor([0.2, 0.3])) and torch.allclose(x.grad, 2 * (x - x.mean(0)).detach())

import torch
from torch import nn


class Norm(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.register_buffer("running_mean", torch.zeros(n))

    def forward(self, x):
        self.running_mean.mul_(0.9).add_(0.1 * x.detach().mean(0))
        return x - x.mean(0)


norm = Norm(2)
x = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
(norm(x) ** 2).sum().backward()
