# case: leaf-from-helper-with-default-scale-nudged-in-place
# source: inplace-lint issue #13 (held-out set 9: a helper returns `(torch.randn(size)*std).requires_grad_()` with `std` left to its default)
# expect: markers
# torch: raises "a view of a leaf Variable that requires grad is being used in an in-place operation"
import torch


def init_params(size, std=1.0): return (torch.randn(size)*std).requires_grad_()


weights = init_params((4, 1))
weights[0] *= 1.0001  # error: IPL002
loss = (torch.randn(3, 4) @ weights).sum()
loss.backward()
