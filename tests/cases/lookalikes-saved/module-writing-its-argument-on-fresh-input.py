# case: module-writing-its-argument-on-fresh-input
# expect: clean
# torch: clean
# check: torch.allclose(out, lin(batch - batch.mean(dim=1, keepdim=True)), atol=1e-6) and lin.weight.grad is not None

import torch
from torch import nn


class Normalize(nn.Module):
    def forward(self, x):
        x -= x.mean(dim=1, keepdim=True)
        return x


torch.manual_seed(0)
norm = Normalize()
lin = nn.Linear(4, 1)
batch = torch.randn(3, 4) + 5
out = lin(norm(batch.clone()))
out.sum().backward()
