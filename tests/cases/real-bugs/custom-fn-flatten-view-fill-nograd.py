# case: custom-fn-flatten-view-fill-nograd
# source: https://github.com/pytorch/pytorch/issues/14707
# expect: markers
# torch: raises "is a view and its base or another view of its base has been modified inplace"

# The custom autograd.Function `Mul3ThenFlatten`: forward saves x, computes x * 3 outside autograd (the
# issue round-trips through numpy; here through a Python list since numpy is not installed) and returns
# `torch.tensor(z).view(-1)`, a view created inside forward. The caller then overwrites the output in place
# inside `torch.no_grad()` (`output.fill_(1)`) and backprops. In 2018 the custom backward was silently skipped;
# current PyTorch refuses to rebase the history of a custom-Function view modified in place. The harmful write
# is `output.fill_(1)`; IPL012, the rule for views a custom Function returns.
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
output = Mul3ThenFlatten.apply(x)

# Modify the counter in no_grad mode.
with torch.no_grad():
    output.fill_(1)  # error: IPL012

output.sum().backward()
