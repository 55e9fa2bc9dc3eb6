# case: custom-function-view-of-input-cloned-then-input-scaled-in-place
# source: https://github.com/pytorch/pytorch/issues/73604
# expect: clean
# torch: clean
# check: w.grad is not None

# A custom Function whose `forward` returns a view of its input (`x.view(-1)`): the caller then scales the input in
# place, but the caller holds a copy of the view (`.clone()`, as the error message suggests): nothing raises.
import torch


class Flatten(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x.view(-1)

    @staticmethod
    def backward(ctx, grad):
        return grad.view(2, 3)


w = torch.randn(2, 3, requires_grad=True)
h = w * 2
flat = Flatten.apply(h).clone()
h.mul_(0.5)
flat.sum().backward()
