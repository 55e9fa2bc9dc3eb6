# case: discuss-add-out-of-place
# source: https://discuss.pytorch.org/t/inplace-operation-changes-is-leaf-attribute/120297
# expect: clean
# torch: clean
# check: torch.equal(c.grad, torch.ones_like(c))

# "operation 2" of the question without out=: the sum is a new tensor, and the leaf stays untouched.
import torch

c = torch.randn(2, 3, 2, 4, requires_grad=True)
c2 = torch.add(c, 1)
c2.sum().backward()
