# case: recurrent-step-saves-previous-state-then-writes-new
# source: inplace-lint issue #13 (look-alike of TextGAN https://github.com/williamSYSU/TextGAN-PyTorch/pull/69: the product saves the previous step's state, the write is on the new one)
# expect: clean
# torch: clean
# check: c.lin.weight.grad is not None

import torch
from torch import nn


class Cell(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 4)

    def step(self, x, memory):
        gate = torch.sigmoid(self.lin(x))
        nxt = gate * torch.tanh(memory)
        nxt += gate * memory
        return nxt

    def forward(self, xs, memory):
        for i in range(3):
            memory = self.step(xs[i], memory)
        return memory


c = Cell()
c(torch.randn(3, 2, 4), torch.randn(2, 4)).sum().backward()
