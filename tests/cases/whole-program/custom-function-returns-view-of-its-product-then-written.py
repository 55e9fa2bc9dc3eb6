# case: custom-function-returns-view-of-its-product-then-written
# source: inplace-lint issue #13 (a custom Function whose forward returns a view of a tensor it computed: torch marks that output a view made inside a custom Function, so writing it in place raises)
# expect: markers
# torch: raises "This view was created inside a custom Function"
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
y += 1  # error: IPL012
y.sum().backward()
