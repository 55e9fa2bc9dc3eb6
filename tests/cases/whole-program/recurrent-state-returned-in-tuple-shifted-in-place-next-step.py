# case: recurrent-state-returned-in-tuple-shifted-in-place-next-step
# source: https://github.com/NX-AI/xlstm/pull/82
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# A step function that returns `(y, state)` and is called with the state the previous step returned, for a fixed
# number of steps: on the first step the state is made (`if state is None:`), on the later ones the tuple the call
# returned holds a tensor, so that branch does not run and the shift rewrites the state the previous step's
# product saved.
import torch
import torch.nn as nn


def shift_in(x, state, w):
    state.copy_(torch.roll(state, shifts=-1, dims=1))  # error: IPL003
    state[:, -1:] = x  # error: IPL003
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
