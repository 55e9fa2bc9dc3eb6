# case: no-grad-view-of-leaf-written-inside
# source: https://github.com/pytorch/pytorch/issues/11390
# expect: clean
# torch: clean
# check: torch.equal(z, torch.tensor([1.0, 2.0, 1.0])) and z.grad_fn is None

# The look-alike of real-bugs/no-grad-view-of-leaf-written-outside: the view and the write both inside no_grad
# (the resolution the thread and torch's error message point to), an untracked edit of z.
import torch

z = torch.ones(3, requires_grad=True)
y = torch.tensor(2.0, requires_grad=True) * 1
i = 1
with torch.no_grad():
    x = z[0:2]
    x[i] = y
