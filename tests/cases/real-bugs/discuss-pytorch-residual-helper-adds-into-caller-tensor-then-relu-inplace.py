# case: discuss-pytorch-residual-helper-adds-into-caller-tensor-then-relu-inplace
# source: https://discuss.pytorch.org/t/understanding-autograd-relu-inplace-true/89031
# expect: markers
# torch: clean
# check: torch.equal(g, torch.ones(4)) and not torch.equal(g, (x_ref + sum(residual) > 0).float())

# The thread's user checks gradients of an in-place ReLU on `torch.tensor([-1.0]).requires_grad_()
# .clone()` (the clone "to bypass" the leaf error) with `torch.autograd.grad(F.relu_(x), (x, ))`
# and gets 1 where 0 is expected; the final use case is the ResNet-like helper
# `residual_activation_inplace(x, residual, activation, inplace)`, which does `x += r` for every
# residual and returns `activation(x, inplace = inplace)`, called with F.relu and inplace=True.
# albanD explains that after the in-place ReLU `x` *is* the ReLU output, so the gradient taken
# with respect to `x` is d(x)/dx = 1. Here the helper is called as in the thread and the
# gradient is taken with respect to `x` as in the thread's check (4 elements instead of 1, so
# some are clamped): the caller's tensor is overwritten by the helper and the gradient silently
# comes out as all ones instead of the ReLU mask. `x_ref` only keeps the input values for the check.

import torch
import torch.nn.functional as F


def residual_activation_inplace(x, residual, activation, inplace):
    for r in residual:
        x += r
    return activation(x, inplace = inplace)


x_ref = torch.tensor([-1.0, 0.5, -0.25, 2.0])
x = x_ref.clone().requires_grad_().clone()
residual = [torch.tensor([0.5, -1.0, 0.5, 0.5]), torch.tensor([0.25, 0.25, -1.0, 0.25])]
y = residual_activation_inplace(x, residual, F.relu, inplace = True)  # error: IPL008
g = torch.autograd.grad(y.sum(), (x, ))[0]
