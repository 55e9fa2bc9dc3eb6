# case: modulelist-appended-branch-sigmoid-then-mul-in-place
# source: inplace-lint issue #13 (an nn.ModuleList filled by append in a loop, its modules called one by one)
# expect: markers
# torch: raises "which is output 0 of Sigmoid, is at version 1"

# The first head ends in a Sigmoid, which saves its output; the loop over the heads scales each head's output in
# place, and the Sigmoid's is among them.
import torch
import torch.nn as nn


class Heads(nn.Module):
    def __init__(self, n=2):
        super().__init__()
        self.heads = nn.ModuleList()
        for i in range(n):
            if i == 0:
                self.heads.append(nn.Sequential(nn.Linear(4, 4), nn.Sigmoid()))
            else:
                self.heads.append(nn.Linear(4, 4))

    def forward(self, x):
        outs = []
        for head in self.heads:
            y = head(x)
            y.mul_(2)  # error: IPL003
            outs.append(y)
        return torch.stack(outs).sum()


Heads()(torch.randn(3, 4, requires_grad=True)).backward()
