# case: modulelist-appended-branch-softplus-then-mul-in-place
# source: inplace-lint issue #13 (look-alike of modulelist-appended-branch-sigmoid-then-mul-in-place)
# expect: clean
# torch: clean
# check: x.grad is not None

# The same loop over heads appended to an nn.ModuleList, but the first head ends in a Softplus, which saves its
# input, not its output: scaling each head's output in place breaks nothing.
import torch
import torch.nn as nn


class Heads(nn.Module):
    def __init__(self, n=2):
        super().__init__()
        self.heads = nn.ModuleList()
        for i in range(n):
            if i == 0:
                self.heads.append(nn.Sequential(nn.Linear(4, 4), nn.Softplus()))
            else:
                self.heads.append(nn.Linear(4, 4))

    def forward(self, x):
        outs = []
        for head in self.heads:
            y = head(x)
            y.mul_(2)
            outs.append(y)
        return torch.stack(outs).sum()


x = torch.randn(3, 4, requires_grad=True)
Heads()(x).backward()
