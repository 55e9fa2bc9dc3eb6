# case: recurrent-step-saves-new-state-then-writes-it
# source: inplace-lint issue #13 (the bug beside the TextGAN look-alike: the product saves the new state, then it is written)
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

import torch
from torch import nn


class Cell(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 4)

    def step(self, x, memory):
        gate = torch.sigmoid(self.lin(x))
        nxt = gate * torch.tanh(memory)
        prod = gate * nxt
        nxt += 1  # error: IPL003
        nxt = nxt + prod
        return nxt

    def forward(self, xs, memory):
        for i in range(3):
            memory = self.step(xs[i], memory)
        return memory


c = Cell()
c(torch.randn(3, 2, 4), torch.randn(2, 4)).sum().backward()
