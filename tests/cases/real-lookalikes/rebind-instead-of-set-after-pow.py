# case: rebind-instead-of-set-after-pow
# source: https://github.com/pytorch/pytorch/issues/97500
# expect: clean
# torch: clean
# check: torch.allclose(leaf.grad, torch.tensor(4.)) and x.item() == 1.0

# The same computation with the name rebound (`x = y`) instead of the storage swapped: the tensor `x ** 2` saved
# is untouched, and the gradient is 2 * 2.
import torch

leaf = torch.tensor(2., requires_grad=True)
x = leaf.clone()
y = torch.tensor(1.)
out = x ** 2
x = y
out.backward()
