# case: custom-function-rebinds-output-to-transposed-copy-then-residual-add
# source: https://github.com/pytorch/pytorch/issues/10586
# expect: markers
# torch: raises "is a view and is being modified inplace. This view was created inside a custom Function"

# A custom Function's `forward` rebinds its output name step by step and ends with `out = out.clone().transpose(-1,
# 1)`: what it returns is a view of a tensor it computed, so torch makes it a custom-Function view, and the block's
# residual `out += identity` raises.
import torch
import torch.nn as nn


class ChannelBias(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, bias):
        out = x.transpose(-1, 1)
        out = out.add(bias)
        out = out.clone().transpose(-1, 1)
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad, grad.transpose(-1, 1).sum(dim=tuple(range(grad.dim() - 1)))


class Block(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x):
        identity = x
        out = ChannelBias.apply(self.conv(x), self.bias)
        out += identity  # error: IPL012
        return out


torch.manual_seed(0)
block = Block(4)
block(torch.randn(2, 4, 5, 5)).sum().backward()
