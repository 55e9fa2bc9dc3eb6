import torch

class InPlaceAdder(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        y = x.clone().detach()
        y.requires_grad_(True)
        y.add_(1)
        return y

    @staticmethod
    def backward(ctx, grad_output):
        x, = ctx.saved_tensors
        return grad_output.clone()

x = torch.randn(3, requires_grad=True)
y = InPlaceAdder.apply(x)
loss = y.sum()
loss.backward()
print(x.grad)
