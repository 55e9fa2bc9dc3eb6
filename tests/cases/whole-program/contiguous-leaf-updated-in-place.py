# case: contiguous-leaf-updated-in-place
# source: inplace-lint issue #13
# expect: markers
# torch: raises "a leaf Variable that requires grad is being used in an in-place operation"

# A leaf made by `.requires_grad = True` on `.contiguous()` of a transposed tensor, updated by hand with grad mode on.
import torch

torch.manual_seed(0)
a = torch.rand(3, 4)
target = torch.rand(4, 3)
w = a.t().contiguous()
w.requires_grad = True
for _ in range(3):
    loss = ((w - target) ** 2).sum()
    loss.backward()
    w -= 0.1 * w.grad  # error: IPL001
    w.grad.zero_()
