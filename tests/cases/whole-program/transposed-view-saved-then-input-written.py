# case: transposed-view-saved-then-input-written
# source: inplace-lint issue #13 (held-out set 10: `.contiguous()` of a strided view copies; without it the matmul saves a view)
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"
import torch

w = torch.randn(3, 3, requires_grad=True)
h = torch.randn(3, 4) @ torch.randn(4, 3, requires_grad=True)
z = h.transpose(0, 1)
out = z @ w
h.add_(1)  # error: IPL003
out.sum().backward()
