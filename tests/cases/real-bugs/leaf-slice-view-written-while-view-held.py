# case: leaf-slice-view-written-while-view-held
# source: https://github.com/pytorch/pytorch/issues/8874
# expect: markers
# torch: raises "a view of a leaf Variable that requires grad is being used in an in-place operation"

# The second example without its `.clone()`, as soulitzer notes in the thread: `x[0] += 0` then writes
# into a view of the leaf `x` and raises.
import torch

x = torch.ones(4, requires_grad=True)
xx = x[2:]
y = xx[1]
xx.retain_grad()
x[0] += 0  # error: IPL002
y.backward()
