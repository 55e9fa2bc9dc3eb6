# case: mm-param-loop-index-add
# source: https://www.yongfengli.tk/2018/04/13/inplace-operation-in-pytorch.html
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# The post's example: a forward multiplies a parameter by the input with torch.mm, then in a
# loop adds 1 to one row of the product at a time (`b[i] = b[i] + 1`) and accumulates
# `torch.mm(self.param, b)`. Each mm saves b to compute the parameter's gradient, and the
# next row assignment modifies b in place, so backward fails. The post shows only forward;
# the module around it (param shape, input) is completed plausibly. Sizes reduced.
import torch
import torch.nn as nn


class RowShift(nn.Module):
    def __init__(self, n=4):
        super().__init__()
        self.n = n
        self.param = nn.Parameter(torch.randn(n, n) * 0.1)

    def forward(self, a):
        y = 0
        b = torch.mm(self.param, a)
        for i in range(self.n):
            b[i] = b[i] + 1  # error: IPL003
            y = y + torch.mm(self.param, b)
        return y


m = RowShift()
y = m(torch.randn(4, 1))
y.sum().backward()
