# case: hand-written-sigmoid-output-item-assigned
# source: https://github.com/pytorch/pytorch/issues/9391
# expect: clean
# torch: clean
# check: a.grad[1] == 0 and torch.allclose(a.grad[[0, 2]], (a.sigmoid() * (1 - a.sigmoid()))[[0, 2]])

# The second snippet: the same sigmoid written as 1 / (exp(-a) + 1). Its last op, the division, saves its
# inputs but not its output, so assigning into b is fine, and the overwritten element gets a zero gradient.
import torch

a = torch.tensor([1, 2, 3.], requires_grad=True)
b = 1 / ((-a).exp() + 1)
b[1] = 2
b.sum().backward()
