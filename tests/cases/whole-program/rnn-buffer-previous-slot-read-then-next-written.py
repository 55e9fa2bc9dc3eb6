# case: rnn-buffer-previous-slot-read-then-next-written
# source: inplace-lint issue #13 (the buffer pattern of https://github.com/pytorch/pytorch/issues/74806, recurrent)
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# `outs` does not require grad until the first slot is written with `x`; from then on autograd records every slot
# write. `outs[t - 1] @ W` saves that slot (a view of `outs`), and writing slot `t` bumps the version of all of it.
import torch
from torch import nn

W = nn.Parameter(torch.randn(4, 4))
x = torch.randn(4, requires_grad=True)
outs = torch.zeros(3, 4)
outs[0] = x
for t in range(1, 3):
    outs[t] = torch.tanh(outs[t - 1] @ W)  # error: IPL003
outs.sum().backward()
