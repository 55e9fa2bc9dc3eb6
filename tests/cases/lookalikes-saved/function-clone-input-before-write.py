# case: function-clone-input-before-write
# expect: clean
# torch: clean
# check: torch.allclose(a.grad, torch.tensor([1.0, 0.0, 0.0]) - 1 / 3 + 1) and torch.equal(h, a.detach())

import torch


class Centre(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        x = x.clone()
        x -= x.mean()
        return x

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output - grad_output.mean()


a = torch.tensor([1.0, 2.0, 4.0], requires_grad=True)
h = a * 1
y = Centre.apply(h)
((y * torch.tensor([1.0, 0.0, 0.0])).sum() + h.sum()).backward()
