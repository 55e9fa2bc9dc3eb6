# case: cloned-leaf-slice-view-written-while-view-held
# source: https://github.com/pytorch/pytorch/issues/8874
# expect: clean
# torch: clean
# check: torch.allclose(leaf.grad, torch.tensor([0., 0., 0., 1.]))

# The example as written, with `.clone()`: `x` is not a leaf, so writing x[0] is recorded (CopySlices) and
# the gradient still reaches the leaf it was cloned from.
import torch

leaf = torch.ones(4, requires_grad=True)
x = leaf.clone()
xx = x[2:]
y = xx[1]
xx.retain_grad()
x[0] += 0
y.backward()
