# case: transposed-view-made-contiguous-then-input-written
# source: inplace-lint issue #13 (held-out set 10: `.contiguous()` of a strided view copies; without it the matmul saves a view)
# expect: clean
# torch: clean
# check: w.grad is not None and torch.isfinite(w.grad).all()
import torch

w = torch.randn(3, 3, requires_grad=True)
h = torch.randn(3, 4) @ torch.randn(4, 3, requires_grad=True)
z = h.transpose(0, 1).contiguous()
out = z @ w
h.add_(1)
out.sum().backward()
