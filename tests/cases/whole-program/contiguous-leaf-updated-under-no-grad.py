# case: contiguous-leaf-updated-under-no-grad
# source: inplace-lint issue #13
# expect: clean
# torch: clean
# check: w.grad is not None and float(((w.detach() - target) ** 2).sum()) < start

# A leaf made by `.requires_grad = True` on `.contiguous()` of a transposed tensor, updated by hand under no_grad.
import torch

torch.manual_seed(0)
a = torch.rand(3, 4)
target = torch.rand(4, 3)
w = a.t().contiguous()
w.requires_grad = True
start = float(((w.detach() - target) ** 2).sum())
for _ in range(3):
    loss = ((w - target) ** 2).sum()
    loss.backward()
    with torch.no_grad():
        w -= 0.1 * w.grad
    w.grad.zero_()
