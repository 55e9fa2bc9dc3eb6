# case: custom-function-returns-transposed-clone-then-add-in-place
# source: https://github.com/pytorch/pytorch/issues/24413
# expect: markers
# torch: raises "is a view and is being modified inplace. This view was created inside a custom Function"

# The report's autograd.Function `f` clones its input, saves `tensor2.t()` with
# save_for_backward and returns that same transposed view; the caller then does `y += 1`.
# In 2019 the in-place add slipped past the saved-tensor version check; today torch refuses
# the in-place write on a view returned by a custom Function. Kept as in the report.
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
y += 1  # error: IPL012
y.backward(torch.rand_like(y))
