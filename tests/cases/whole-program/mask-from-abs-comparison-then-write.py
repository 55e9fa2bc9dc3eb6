# case: mask-from-abs-comparison-then-write
# source: inplace-lint issue #13 (look-alike of the homography report: `t[t.abs() < eps] = eps`)
# expect: clean
# torch: clean
# check: lin.weight.grad is not None

# `y.abs()` saves `y`, but its result only feeds the comparison, whose boolean result has no graph: the abs
# output is freed at once with what it saved, so writing `y` afterwards breaks nothing.
import torch
from torch import nn

lin = nn.Linear(4, 4)
y = lin(torch.randn(2, 4))
eps = 1e-2
y[y.abs() < eps] = eps
y.sum().backward()
