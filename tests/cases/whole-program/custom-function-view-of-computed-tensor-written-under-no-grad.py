# case: custom-function-view-of-computed-tensor-written-under-no-grad
# expect: markers
# torch: raises "is a view and its base or another view of its base has been modified inplace"

# A custom Function returns a view of a tensor it computes (`(x * 3).view(-1)`): torch makes that output a view
# created inside a custom Function. Writing it under `torch.no_grad()` passes, and its next use raises.
import torch


class Scale3Flat(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return (x * 3).view(-1)

    @staticmethod
    def backward(ctx, g):
        return g.view(2, 2) * 3


x = torch.randn(2, 2, requires_grad=True)
y = Scale3Flat.apply(x)
with torch.no_grad():
    y.clamp_(min=0)  # error: IPL012
(y * 2).sum().backward()
