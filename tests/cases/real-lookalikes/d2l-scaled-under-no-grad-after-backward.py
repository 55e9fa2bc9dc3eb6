# case: d2l-scaled-under-no-grad-after-backward
# source: https://github.com/ShusenTang/Dive-into-DL-PyTorch/issues/55
# expect: clean
# torch: clean
# check: torch.allclose(x.grad, torch.tensor([4.0])) and torch.equal(x.detach(), torch.tensor([100.0])) and x.is_leaf and x.requires_grad

# The same chapter-2.3 experiment done the way the thread's answer implies: when the value of x is to change
# without being recorded, change it after y.backward() has used the graph, and under torch.no_grad() rather than
# through `.data` (the update is the same and autograd keeps its version check). The gradient is the derivative of
# 2x^2 at x = 1, and x ends at 100, still a leaf that requires grad.
import torch

x = torch.ones(1, requires_grad=True)
y = 2 * x * x
y.backward()
with torch.no_grad():
    x *= 100
