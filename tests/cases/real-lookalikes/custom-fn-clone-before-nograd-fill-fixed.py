# case: custom-fn-clone-before-nograd-fill-fixed
# source: https://github.com/pytorch/pytorch/issues/14707
# expect: clean
# torch: clean
# check: calls == ["Some side effect"] and torch.equal(x.grad, torch.full((2, 2), 3.0)) and bool((output == 1).all())

# The issue's `Mul3ThenFlatten` Function unchanged (it still returns a view, `torch.tensor(z).view(-1)`, built
# inside forward), but the caller applies the fix PyTorch's error message now suggests: clone the Function's
# output before touching it. The `output.fill_(1)` under torch.no_grad() then rewrites the clone's own storage,
# the custom backward runs exactly once ("Some side effect") and x.grad is the 3s that backward returns.
import torch
from torch.autograd import Function

calls = []


class Mul3ThenFlatten(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        z = (x.detach() * 3).tolist()
        # If I add a .contiguous() to the end of this statement, other things happen.
        return torch.tensor(z).view(-1)

    @staticmethod
    def backward(ctx, dx):
        x = ctx.saved_tensors[0]
        calls.append("Some side effect")
        return dx.view(x.shape) * 3


torch.manual_seed(0)
x = torch.randn(2, 2, requires_grad=True)
output = Mul3ThenFlatten.apply(x).clone()

# Modify the counter in no_grad mode.
with torch.no_grad():
    output.fill_(1)

output.sum().backward()
