# case: pad-constant-saves-nothing-written-after
# source: inplace-lint issue #13 (F.pad's modes: a reflect pad saves its input, a constant pad saves nothing)
# expect: clean
# torch: clean
# check: torch.allclose(w.grad, torch.full((2, 3, 4), 6.0))
import torch
import torch.nn.functional as F

w = torch.randn(2, 3, 4, requires_grad=True)
x = w * 2
y = F.pad(x, (1, 1))
x.mul_(2)
(y.sum() + x.sum()).backward()
