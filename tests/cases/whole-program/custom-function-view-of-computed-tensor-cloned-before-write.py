# case: custom-function-view-of-computed-tensor-cloned-before-write
# expect: clean
# torch: clean
# check: x.grad is not None

# The Function of custom-function-view-of-computed-tensor-written-under-no-grad, its output cloned before the
# write under `torch.no_grad()`: the clone is no view, and the gradient flows through the clone to `x`.
import torch


class Scale3Flat(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return (x * 3).view(-1)

    @staticmethod
    def backward(ctx, g):
        return g.view(2, 2) * 3


x = torch.randn(2, 2, requires_grad=True)
y = Scale3Flat.apply(x).clone()
with torch.no_grad():
    y.clamp_(min=0)
(y * 2).sum().backward()
