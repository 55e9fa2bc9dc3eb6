# case: custom-fn-alias-base-modified-inplace-fixed
# source: https://github.com/pytorch/pytorch/issues/73604
# expect: clean
# torch: clean
# check: grad is not None and torch.equal(grad, torch.tensor([1.0]))

# The workaround the error message gives ("You can fix this by cloning the output of the
# custom Function"): `x = Alias.apply(z).clone()`.  The later in-place write to `z` no
# longer touches a view produced by the custom Function.
import torch
from torch.autograd import Function


class Alias(Function):
    @staticmethod
    def forward(ctx, input):
        return input[:]

    @staticmethod
    def backward(ctx, grad):
        return grad


def test_alias_then_base_inplace():
    base = torch.tensor([1.0], requires_grad=True)
    z = base * 1
    x = Alias.apply(z).clone()
    z.mul_(-1)
    x.sum().backward()
    return base.grad


grad = test_alias_then_base_inplace()
