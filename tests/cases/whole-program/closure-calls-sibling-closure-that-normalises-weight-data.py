# case: closure-calls-sibling-closure-that-normalises-weight-data
# source: https://github.com/pytorch/vision/issues/217
# expect: markers
# torch: clean
# check: not torch.allclose(model.weight.detach(), before)

# torchvision 0.1's `make_grid(..., normalize=True)` defines `norm_ip` and `norm_range` inside itself; `norm_range`
# calls `norm_ip`, which clamps and rescales the tensor it is given in place. Given a layer's `weight.data` to
# visualise the filters during training, it silently rewrites the weights.
import torch
import torch.nn as nn


def make_grid(tensor, normalize=False):
    if normalize is True:
        def norm_ip(img, lo, hi):
            img.clamp_(min=lo, max=hi)  # warning: IPL004
            img.add_(-lo).div_(hi - lo + 1e-5)  # warning: IPL004, IPL004

        def norm_range(t):
            norm_ip(t, float(t.min()), float(t.max()))

        norm_range(tensor)
    return tensor


torch.manual_seed(0)
model = nn.Conv2d(3, 4, 3)
model(torch.randn(2, 3, 8, 8)).sum().backward()
before = model.weight.detach().clone()
grid = make_grid(model.weight.data, normalize=True)
