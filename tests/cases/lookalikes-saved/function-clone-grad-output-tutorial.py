# case: function-clone-grad-output-tutorial
# expect: clean
# torch: clean
# check: torch.equal(x.grad, torch.tensor([1.0, 0.0, 1.0])) and torch.equal(u.grad, torch.full((3,), 5.0))

import torch


class MyReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return input.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        grad_input = grad_output.clone()
        grad_input[input < 0] = 0
        return grad_input


x = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
u = torch.tensor([1.0, 1.0, 1.0], requires_grad=True)
loss = (MyReLU.apply(x) + u * 5).sum()
loss.backward()
