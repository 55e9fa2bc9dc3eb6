# case: custom-function-returns-transposed-clone-then-add-out-of-place
# source: https://github.com/pytorch/pytorch/issues/24413
# expect: clean
# torch: clean
# check: x.grad is not None and x.grad.shape == x.shape and bool(torch.isfinite(x.grad).all())

# The report's autograd.Function `f` (clone, save the transposed view, return it) with
# the caller adding out of place, `y = y + 1`, as the error message advises: the view
# returned by the custom Function and the tensor it saved are never written.
import torch


class f(torch.autograd.Function):
    @staticmethod
    def forward(ctx, tensor1):
        # make sure we don't share storage with our input
        tensor2 = tensor1.clone()
        # tensor3 shares storage with tensor2
        tensor3 = tensor2.t()
        ctx.save_for_backward(tensor3)
        return tensor3

    @staticmethod
    def backward(ctx, grad):
        # trigger correctness check
        _ = ctx.saved_tensors
        return grad.t().clone()


torch.manual_seed(0)
x = torch.rand(2, 3, requires_grad=True)
y = f.apply(x)
y = y + 1
y.backward(torch.rand_like(y))
