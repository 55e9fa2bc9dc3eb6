# case: set-replaces-tensor-saved-by-pow
# source: https://github.com/pytorch/pytorch/issues/97500
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# soulitzer's example in the thread: `x ** 2` saves x, and `x.set_(y)` swaps x's storage, which autograd counts as
# an in-place change (it bumps x's version), so backward fails.
import torch

x = torch.tensor(2., requires_grad=True).clone()
y = torch.tensor(1.)
out = x ** 2
x.set_(y)  # error: IPL003
out.backward()
