# case: pad-reflect-saves-input-written-after
# source: inplace-lint issue #13 (F.pad's modes: a reflect pad saves its input, a constant pad saves nothing)
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"
import torch
import torch.nn.functional as F

w = torch.randn(2, 3, 4, requires_grad=True)
x = w * 2
y = F.pad(x, (1, 1), mode="reflect")
x.mul_(2)  # error: IPL003
(y.sum() + x.sum()).backward()
