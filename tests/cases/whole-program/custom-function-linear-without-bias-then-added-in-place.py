# case: custom-function-linear-without-bias-then-added-in-place
# source: https://github.com/gustavecortal/gpt-j-fine-tuning-example/issues/1 (the look-alike: without a bias `F.linear` returns a fresh tensor, which the caller may write in place)
# expect: clean
# torch: clean
# check: layer.adapter.weight.grad is not None
import torch
import torch.nn.functional as F
from torch import nn


class FrozenLinear(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input, weight):
        ctx.save_for_backward(weight)
        return F.linear(input, weight)

    @staticmethod
    def backward(ctx, grad_output):
        (weight,) = ctx.saved_tensors
        return grad_output @ weight, None


class Layer(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("weight", torch.randn(4, 4))
        self.adapter = nn.Linear(4, 4, bias=False)

    def forward(self, x):
        out = FrozenLinear.apply(x.requires_grad_(), self.weight)
        out += self.adapter(x)
        return out


layer = Layer()
layer(torch.randn(2, 3, 4)).sum().backward()
