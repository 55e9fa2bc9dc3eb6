# case: closure-calls-sibling-closure-that-normalises-a-copy
# source: https://github.com/pytorch/vision/issues/217
# expect: clean
# torch: clean
# check: torch.allclose(model.weight.detach(), before)

# The same nested helpers after torchvision's fix (PR #241): `make_grid` clones its input first, so the in-place
# normalisation writes into the copy and the weights stay as they were.
import torch
import torch.nn as nn


def make_grid(tensor, normalize=False):
    tensor = tensor.clone()
    if normalize is True:
        def norm_ip(img, lo, hi):
            img.clamp_(min=lo, max=hi)
            img.add_(-lo).div_(hi - lo + 1e-5)

        def norm_range(t):
            norm_ip(t, float(t.min()), float(t.max()))

        norm_range(tensor)
    return tensor


torch.manual_seed(0)
model = nn.Conv2d(3, 4, 3)
model(torch.randn(2, 3, 8, 8)).sum().backward()
before = model.weight.detach().clone()
grid = make_grid(model.weight.data, normalize=True)
