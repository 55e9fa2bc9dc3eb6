# case: forward-param-relu-then-mul
# source: inplace-lint issue #13 (the Gate example with an op that saves nothing the write touches)
# expect: clean
# torch: clean
# check: torch.allclose(x.grad, torch.full((4,), 6.0))

import torch
import torch.nn as nn


class Gate(nn.Module):
    def forward(self, x):
        h = x * 3
        h.mul_(2)
        return h


x = torch.randn(4, requires_grad=True)
Gate()(x).sum().backward()
