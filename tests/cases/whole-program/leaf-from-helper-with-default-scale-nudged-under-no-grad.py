# case: leaf-from-helper-with-default-scale-nudged-under-no-grad
# source: inplace-lint issue #13 (held-out set 9: the same write under no_grad)
# expect: clean
# torch: clean
# check: weights.grad is not None
import torch


def init_params(size, std=1.0): return (torch.randn(size)*std).requires_grad_()


weights = init_params((4, 1))
with torch.no_grad():
    weights[0] *= 1.0001
loss = (torch.randn(3, 4) @ weights).sum()
loss.backward()
