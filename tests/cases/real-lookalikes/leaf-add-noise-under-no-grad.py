# case: leaf-add-noise-under-no-grad
# source: https://github.com/pytorch/pytorch/issues/2940
# expect: clean
# torch: clean
# check: torch.allclose(a, before + noise) and a.is_leaf and a.requires_grad

# Perturbing the leaf the supported way: the in-place add under torch.no_grad(), which autograd does not record.
import torch

a = torch.rand(5, 5, requires_grad=True)
before = a.detach().clone()
noise = torch.randn(5, 5)
with torch.no_grad():
    a.add_(noise)
