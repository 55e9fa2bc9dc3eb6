# case: leaf-add-noise-in-place
# source: https://github.com/pytorch/pytorch/issues/2940
# expect: markers
# torch: raises "a leaf Variable that requires grad is being used in an in-place operation"

# The session: `a.add_(noise)` on a 5x5 leaf that requires grad (the issue was that the data changed before
# the error; today the check comes first). Variable replaced by torch.rand(..., requires_grad=True).
import torch

a = torch.rand(5, 5, requires_grad=True)
noise = torch.randn(5, 5)
a.add_(noise)  # error: IPL001
