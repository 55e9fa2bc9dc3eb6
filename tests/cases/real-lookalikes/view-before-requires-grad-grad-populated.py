# case: view-before-requires-grad-grad-populated
# source: https://github.com/pytorch/pytorch/issues/1479
# expect: clean
# torch: clean
# check: torch.allclose(b.grad, torch.tensor([[1.], [2.], [3.]]))

# The second half, which works: the view is taken first and the result is made to require grad, so `b`
# is the leaf and gets its gradient.
import torch

a = torch.tensor([1., 2, 3]).view(1, 3)
b = torch.tensor([4., 5, 6]).view(3, 1).requires_grad_(True)
c = a.mm(b).sum()
c.backward()
print(a.requires_grad)
print(b.requires_grad)
print(b.grad)
