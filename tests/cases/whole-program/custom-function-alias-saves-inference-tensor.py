# case: custom-function-alias-saves-inference-tensor
# source: inplace-lint issue #13 (a table made under inference_mode, saved by a custom Function called through an alias)
# expect: markers
# torch: raises "Inference tensors cannot be saved for backward"
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
lin = nn.Linear(4, 4)
out = scale(lin(torch.randn(2, 4)), table)  # error: IPL011
out.sum().backward()
