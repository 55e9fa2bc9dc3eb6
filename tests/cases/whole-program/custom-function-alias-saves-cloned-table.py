# case: custom-function-alias-saves-cloned-table
# source: inplace-lint issue #13 (look-alike: the table made under inference_mode is cloned outside it first)
# expect: clean
# torch: clean
# check: lin.weight.grad is not None
import torch
from torch import nn


class Scale(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, table):
        ctx.save_for_backward(table)
        return x * table

    @staticmethod
    def backward(ctx, grad):
        (table,) = ctx.saved_tensors
        return grad * table, None


scale = Scale.apply
with torch.inference_mode():
    table = torch.linspace(0.5, 1.5, 4)
table = table.clone()
lin = nn.Linear(4, 4)
out = scale(lin(torch.randn(2, 4)), table)
out.sum().backward()
