# case: pytorch-relu-then-dropout-out-of-place
# source: https://github.com/pytorch/pytorch/issues/727
# expect: clean
# torch: clean
# check: bool(((leaf.grad == 0) | torch.isclose(leaf.grad, torch.tensor(1 / 0.9))).all()) and bool((leaf.grad[leaf <= 0] == 0).all()) and 0.8 < float((leaf.grad[leaf > 0] != 0).float().mean()) < 1.0

# The maintainer's answer in the issue ("Just remove the inplace flag"), applied to both calls: ReLU and dropout
# run out of place on the leaf input, so nothing is written into the leaf or into the output ReLU saved. The leaf
# is kept in `leaf` for the check: its gradient is 0 where the input was not positive and 0 or 1/(1-p) elsewhere,
# with about a fraction 1-p of non-zeros.
import torch
import torch.nn.functional as F

torch.manual_seed(0)
x = torch.randn(4, 6, 10, 10, requires_grad=True)
leaf = x
x = F.relu(x)
x = F.dropout(x, p=0.1)
result = torch.sum(x)
result.backward()
