# case: wrapper-forwards-args-and-kwargs-to-inner-module
# source: inplace-lint issue #13 (session 10: a DataParallel-like wrapper, `self.module(*inputs, **kwargs)`, as in https://github.com/ccarliu/m3ae/issues/15)
# expect: markers
# torch: raises "a view of a leaf Variable that requires grad is being used in an in-place operation"
import torch
from torch import nn


class Inner(nn.Module):
    def forward(self, x, scale=None):
        x[0] = scale  # error: IPL002
        return x


class Wrapper(nn.Module):
    def __init__(self, module):
        super().__init__()
        self.module = module

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)


w = nn.Parameter(torch.randn(3))
Wrapper(Inner())(w, scale=2.0)
