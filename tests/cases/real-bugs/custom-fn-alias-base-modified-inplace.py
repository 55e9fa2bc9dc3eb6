# case: custom-fn-alias-base-modified-inplace
# source: https://github.com/pytorch/pytorch/issues/73604
# expect: markers
# torch: raises "its base or another view of its base has been modified inplace"

# The repro: a custom autograd.Function `Alias` whose forward returns
# `input[:]`, i.e. a view of its input.  After the call, the *base* `z` is modified in
# place (`z.mul_(-1)`).  Autograd would have to regenerate the view's grad_fn, which it
# cannot do for a custom Function, so the backward through the alias raises.
# Closest code: IPL012 (in-place write affecting a view returned by a custom Function;
# here the write goes to the base rather than to the view itself).
# Kept verbatim: Alias (forward/backward), base/z/x, `z.mul_(-1)`, `x.sum().backward()`.
# Completed: the surrounding test method is unrolled into a module-level function.
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
    x = Alias.apply(z)
    z.mul_(-1)  # error: IPL012
    x.sum().backward()
    return base.grad


grad = test_alias_then_base_inplace()
