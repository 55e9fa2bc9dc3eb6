# case: custom-function-view-of-input-then-input-scaled-in-place
# source: https://github.com/pytorch/pytorch/issues/73604
# expect: markers
# torch: raises "is a view and its base or another view of its base has been modified inplace"

# A custom Function whose `forward` returns a view of its input (`x.view(-1)`): the caller then scales the input in
# place while still holding that view, and the view's next use raises.
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
flat = Flatten.apply(h)
h.mul_(0.5)  # error: IPL012
flat.sum().backward()
