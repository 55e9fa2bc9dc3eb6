# case: custom-op-scale-marked-dirty-out-of-place-fixed
# source: https://github.com/pytorch/pytorch/issues/30454
# expect: clean
# torch: clean
# check: backward_calls == [1] and torch.allclose(net.fc.weight.grad, ref_grad)

# Look-alike of custom-op-scale-returned-input-inplace: the Function marks the input it
# modifies as dirty (ctx.mark_dirty) and the Net scales out of place (the line that is
# commented out in the report: `logits = logits * self.s`). The custom backward now runs
# and fc's weight gradient matches 2 * s * d(mean)/dW computed without the Function.
import torch
import torch.nn as nn

backward_calls = []


class CustomOp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        x *= 2.0
        ctx.mark_dirty(x)
        return x

    @staticmethod
    def backward(ctx, grad_output):
        backward_calls.append(1)
        return grad_output * 2.0


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
        logits = logits * self.s
        return logits


bs = 4
in_channel = 8
out_channel = 6
torch.manual_seed(0)
dummy_x = torch.rand(bs, in_channel)

net = Net(in_channel, out_channel)
x = net(dummy_x)
x.mean().backward()

ref = Net(in_channel, out_channel)
ref.load_state_dict(net.state_dict())
(ref.fc(dummy_x) * 2.0 * ref.s).mean().backward()
ref_grad = ref.fc.weight.grad
