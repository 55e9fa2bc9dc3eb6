# case: custom-function-returns-view-of-its-product-then-added
# source: inplace-lint issue #13 (the look-alike: the view the custom Function returns is added to out of place)
# expect: clean
# torch: clean
# check: torch.allclose(x.grad, torch.ones(2, 4) @ w.t()) and torch.allclose(w.grad, x.t() @ torch.ones(2, 4))
import torch


class FlatMatmul(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, w):
        ctx.save_for_backward(x, w)
        out = x @ w
        return out.view(-1)

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_tensors
        g = grad.view(x.shape[0], w.shape[1])
        return g @ w.t(), x.t() @ g


x = torch.randn(2, 3, requires_grad=True)
w = torch.randn(3, 4, requires_grad=True)
y = FlatMatmul.apply(x, w)
y = y + 1
y.sum().backward()
