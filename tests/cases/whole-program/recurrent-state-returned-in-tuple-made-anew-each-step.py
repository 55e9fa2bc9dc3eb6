# case: recurrent-state-returned-in-tuple-made-anew-each-step
# source: https://github.com/NX-AI/xlstm/pull/82
# expect: clean
# torch: clean
# check: cell.w.grad is not None

# The same step function as the PR makes it: the shifted state is a new tensor (`torch.cat` of the old one's tail and
# the input), so the state the previous step's product saved is never written.
import torch
import torch.nn as nn


def shift_in(x, state, w):
    state = torch.cat([state[:, 1:], x], dim=1)
    y = (state * w).sum(1, keepdim=True)
    return y, state


class Cell(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.randn(4))

    def forward(self, x, state=None):
        if state is None:
            state = torch.zeros(x.shape[0], 4)
        return shift_in(x, state, self.w)


torch.manual_seed(0)
cell = Cell()
proj = nn.Linear(3, 1)
feats = torch.randn(2, 3, 3)
state = None
outs = []
for t in range(3):
    y, state = cell(proj(feats[:, t]), state)
    outs.append(y)
torch.cat(outs, 1).sum().backward()
