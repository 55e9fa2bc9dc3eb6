# case: tensor-copied-then-requires-grad
# source: https://github.com/pytorch/pytorch/issues/12923
# expect: clean
# torch: clean
# check: x.grad is not None and x.is_leaf

# The computation with the leaf made after the copy (`.cuda().requires_grad_()` in the is_leaf docs; the
# copy is .double() here, no GPU): x is a leaf, so x.grad is populated.
import torch

x = torch.randn(4).double().requires_grad_()
y = torch.randn(4).double().requires_grad_()
z = torch.clone(x)
z.retain_grad()
h = (z + y) * z
l = torch.randn(4).double()  # noqa: E741
loss = (l - h).pow(2).sum()
loss.backward()
