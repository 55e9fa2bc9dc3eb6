# case: autograd-function-forward-backward
# expect: clean
# torch: clean
# check: torch.equal(x.grad, torch.tensor([0.0, 1.0]))

import torch


class ClampedIdentity(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        y = x.clone().detach()
        y.requires_grad_(True)
        y.clamp_(min=0.0)
        return y

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        grad = grad_output.clone()
        grad[x < 0] = 0
        return grad


x = torch.tensor([-1.0, 2.0], requires_grad=True)
ClampedIdentity.apply(x).sum().backward()
