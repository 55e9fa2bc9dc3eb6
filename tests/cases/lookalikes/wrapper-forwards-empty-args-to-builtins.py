# case: wrapper-forwards-empty-args-to-builtins
# source: inplace-lint issue #13 (session 10: `*args`/`**kwargs` of an analysed call expanded -- an empty `*args` once crashed the builtins that read their first argument)
# expect: clean
# torch: clean
# check: out.shape == (4,)
import torch
from torch import nn


class Inner(nn.Module):
    def forward(self, *args, **kwargs):
        parts = list(*args)
        extra = list(**kwargs)
        return torch.cat(parts + extra) if parts else torch.zeros(4)


class Wrapper(nn.Module):
    def __init__(self):
        super().__init__()
        self.inner = Inner()

    def forward(self, *args, **kwargs):
        return self.inner(*args, **kwargs)


out = Wrapper()()
out = Wrapper()([torch.ones(2), torch.ones(2)])
