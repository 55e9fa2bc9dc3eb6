# case: custom-fn-transposed-output-residual-iadd-fixed
# source: https://github.com/pytorch/pytorch/issues/10586
# expect: clean
# torch: clean
# check: all(b.add.val.grad is not None for b in model) and all(b.add.val.grad.abs().sum() > 0 for b in model)

# Same block, with the residual written out of place (`out = out + identity`), which is
# what the error message and the linked vision PR recommend; AddKernel.backward now runs
# and the bias `val` receives a gradient.
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
        out = out + identity
        return out


model = nn.Sequential(Block(4), Block(4))
x = torch.randn(2, 4, 5, 5)
y = model(x)
y.sum().backward()
