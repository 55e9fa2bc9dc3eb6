# case: custom-op-scale-returned-input-inplace
# source: https://github.com/pytorch/pytorch/issues/30454
# expect: markers
# torch: raises "This view was created inside a custom Function (or because an input was returned as-is)"

# The report: a CustomOp (autograd.Function) doubles its input in place in forward and
# returns it without ctx.mark_dirty; the Net applies it to the output of self.fc and then
# scales the result in place (`logits *= self.s`). In torch 1.3 (the report) the custom backward was
# silently skipped; torch 2.x returns the input "as-is" as a view and forbids the in-place
# `logits *= self.s` on it. Two culprits: the un-marked in-place write inside forward, and the
# in-place scale of the view the Function returned. Sizes reduced from the thread.
import torch
import torch.nn as nn


class CustomOp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        x *= 2.0  # error: IPL007
        return x

    @staticmethod
    def backward(ctx, grad_output):
        grad_output *= 2.0
        return grad_output


def custom_op(x):
    return CustomOp.apply(x)


class Net(nn.Module):
    def __init__(self, in_channel, out_channel, scale=400.0):
        super(Net, self).__init__()
        self.fc = nn.Linear(in_channel, out_channel)
        self.s = scale

    def forward(self, input):
        x = self.fc(input)
        logits = custom_op(x)
        logits *= self.s  # error: IPL012
        return logits


if __name__ == '__main__':
    bs = 4
    in_channel = 8
    out_channel = 6
    dummy_x = torch.rand(bs, in_channel)

    net = Net(in_channel, out_channel)
    x = net(dummy_x)
    x.mean().backward()
