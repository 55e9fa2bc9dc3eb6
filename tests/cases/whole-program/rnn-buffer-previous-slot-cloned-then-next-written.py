# case: rnn-buffer-previous-slot-cloned-then-next-written
# source: inplace-lint issue #13 (look-alike: the previous slot is cloned before the matmul, which saves the clone)
# expect: clean
# torch: clean
# check: W.grad is not None and x.grad is not None
import torch
from torch import nn

W = nn.Parameter(torch.randn(4, 4))
x = torch.randn(4, requires_grad=True)
outs = torch.zeros(3, 4)
outs[0] = x
for t in range(1, 3):
    outs[t] = torch.tanh(outs[t - 1].clone() @ W)
outs.sum().backward()
