# case: unbind-output-narrowed-out-of-place
# source: https://github.com/pytorch/pytorch/issues/36608
# expect: clean
# torch: clean
# check: torch.equal(root.grad, torch.tensor([[2.0, 2.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]))

# The code with the write done out of place: the gradient the issue expected, [[2, 2, 0], 0, 0].
import torch

root = torch.arange(9.).reshape(3, 3).requires_grad_()
x = root.clone()
v1 = x.unbind()
v2 = v1[0].narrow(0, 0, 2)
v2 = v2.mul(2)
v2.sum().backward()
