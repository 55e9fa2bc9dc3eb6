# case: custom-function-rebinds-output-to-a-copy-then-residual-add
# source: https://github.com/pytorch/pytorch/issues/10586
# expect: clean
# torch: clean
# check: block.bias.grad is not None

# A custom Function's `forward` rebinds its output name step by step and ends with `out = out.transpose(-1, 1).clone()`: what it
# returns is a fresh tensor, not a view, so the block's residual `out += identity` writes into the Function's
# ordinary output.
import torch
import torch.nn as nn


class ChannelBias(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, bias):
        out = x.transpose(-1, 1)
        out = out.add(bias)
        out = out.transpose(-1, 1).clone()
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
        out += identity
        return out


torch.manual_seed(0)
block = Block(4)
block(torch.randn(2, 4, 5, 5)).sum().backward()
