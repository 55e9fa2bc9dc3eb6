# case: d2l-data-scaled-after-square-forward
# source: https://github.com/ShusenTang/Dive-into-DL-PyTorch/issues/55
# expect: markers
# torch: clean
# check: not torch.allclose(x.grad, torch.tensor([4.0])) and torch.allclose(x.grad, torch.tensor([202.0]))

# Dive-into-DL-PyTorch, chapter 2.3 (autograd): the book shows that writing through `x.data` "only changes the value,
# is not recorded in the graph, so it does not affect backpropagation" with `y = 2 * x`. The issue's commenters
# replace the function by `y = x^2` / `y = 2 * x * x` (the snippet below, run as posted) and find that the gradient
# does change: the product saved x for its backward, and `x.data *= 100`, invisible to autograd, rewrote it before
# y.backward(). The derivative of 2x^2 at the point where y was computed (x = 1) is 4; backward returns 202 (the
# second product saved x, now 100, and the first factor 2x computed at x = 1).
import torch

x = torch.ones(1, requires_grad=True)
y = 2 * x * x
x.data *= 100  # error: IPL004
y.backward()
