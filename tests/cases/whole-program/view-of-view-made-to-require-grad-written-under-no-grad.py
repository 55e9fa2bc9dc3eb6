# case: view-of-view-made-to-require-grad-written-under-no-grad
# source: inplace-lint issue #13
# expect: clean
# torch: clean
# check: torch.equal(y.grad, torch.full((2,), 3.0)) and torch.equal(x, torch.zeros(2))

# A view made in no_grad mode is made to require grad; a view of it taken with grad mode on requires grad too and
# is backpropagated, then written under no_grad again, where autograd allows it.
import torch

x = torch.zeros(2, requires_grad=False)
with torch.no_grad():
    y = x.view(2)
    y.requires_grad_(True)
z = y.view(2)
(z * 3).sum().backward()
with torch.no_grad():
    z.mul_(2)
