# case: function-mark-dirty-returned
# expect: clean
# torch: clean
# check: y is x and torch.equal(a.grad, torch.full((2,), 6.0))

import torch


class MulInplace(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, s):
        x.mul_(s)
        ctx.mark_dirty(x)
        ctx.s = s
        return x

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output * ctx.s, None


a = torch.tensor([1.0, 2.0], requires_grad=True)
x = a + 1
y = MulInplace.apply(x, 3.0)
(y.sum() + x.sum()).backward()
