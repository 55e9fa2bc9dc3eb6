# case: custom-function-linear-with-bias-of-3d-input-then-added-in-place
# source: https://github.com/gustavecortal/gpt-j-fine-tuning-example/issues/1 (reduced: `F.linear` with a bias of a 3-D input returns a view of its 2-D product; returned by a custom Function, it is a view made inside it)
# expect: markers
# torch: raises "This view was created inside a custom Function"
import torch
import torch.nn.functional as F
from torch import nn


class FrozenLinear(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input, weight, bias):
        ctx.save_for_backward(weight)
        return F.linear(input, weight, bias)

    @staticmethod
    def backward(ctx, grad_output):
        (weight,) = ctx.saved_tensors
        return grad_output @ weight, None, grad_output.flatten(0, -2).sum(0)


class Layer(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("weight", torch.randn(4, 4))
        self.bias = nn.Parameter(torch.zeros(4))
        self.adapter = nn.Linear(4, 4, bias=False)

    def forward(self, x):
        out = FrozenLinear.apply(x, self.weight, self.bias)
        out += self.adapter(x)  # warning: IPL012
        return out


layer = Layer()
layer(torch.randn(2, 3, 4)).sum().backward()
