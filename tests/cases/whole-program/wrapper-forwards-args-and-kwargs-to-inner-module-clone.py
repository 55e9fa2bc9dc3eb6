# case: wrapper-forwards-args-and-kwargs-to-inner-module-clone
# source: inplace-lint issue #13 (the look-alike of wrapper-forwards-args-and-kwargs-to-inner-module: the inner module writes a copy)
# expect: clean
# torch: clean
# check: float(out[0]) == 2.0 and w.grad is None
import torch
from torch import nn


class Inner(nn.Module):
    def forward(self, x, scale=None):
        x = x.clone()
        x[0] = scale
        return x


class Wrapper(nn.Module):
    def __init__(self, module):
        super().__init__()
        self.module = module

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)


w = nn.Parameter(torch.randn(3))
out = Wrapper(Inner())(w, scale=2.0).detach()
