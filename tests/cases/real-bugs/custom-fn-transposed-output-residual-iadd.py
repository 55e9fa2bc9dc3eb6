# case: custom-fn-transposed-output-residual-iadd
# source: https://github.com/pytorch/pytorch/issues/10586
# expect: markers
# torch: raises "This view was created inside a custom Function"

# The report: a custom autograd.Function `AddKernel` whose forward returns
# `out.clone().transpose(-1, 1)` -- a *view* of a tensor created inside the Function --
# followed by a residual `+=` on that output.  In PyTorch 0.4 the in-place add silently
# rebuilt the view's history and AddKernel.backward was never called; current PyTorch
# refuses the in-place write on a view returned by a custom Function.
# Kept verbatim: AddKernel.forward (transpose, save_for_backward, add, clone().transpose).
# Completed (the thread's lines 27-73 are not quoted): AddKernel.backward, a module
# `AddLayer` wrapping it with a learnable bias `val`, and a ResNet-style block whose
# forward does `out = self.add(self.conv(x)); out += identity` (the author's companion
# PR pytorch/vision#579 was about exactly that residual `+=`).  Sizes reduced.
import torch
import torch.nn as nn


class AddKernel(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input, val):
        out = input.transpose(-1, 1)
        ctx.save_for_backward(input, val)
        out = out.add(val)
        out = out.clone().transpose(-1, 1)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        input, val = ctx.saved_tensors
        grad_val = grad_output.transpose(-1, 1).sum(dim=tuple(range(grad_output.dim() - 1)))
        return grad_output, grad_val


class AddLayer(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.val = nn.Parameter(torch.zeros(channels))

    def forward(self, x):
        return AddKernel.apply(x, self.val)


class Block(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)
        self.add = AddLayer(channels)

    def forward(self, x):
        identity = x
        out = self.add(self.conv(x))
        out += identity  # error: IPL012
        return out


model = nn.Sequential(Block(4), Block(4))
x = torch.randn(2, 4, 5, 5)
y = model(x)
y.sum().backward()
