# case: torchvision-make-grid-normalize-detached-kernels
# source: https://github.com/pytorch/vision/issues/3025
# expect: clean
# torch: clean
# check: float(img_grid.min()) >= 0.0 and float(img_grid.max()) <= 1.0 and model[0].weight.grad is None

# The look-alike of real-bugs/torchvision-make-grid-normalize-conv-kernels: the kernels are detached before they
# are visualised (nothing is trained through a picture), so make_grid's per-image in-place normalisation writes
# views of a tensor that does not require grad.
import torch
import torch.nn as nn


def norm_ip(img, low, high):
    img.clamp_(min=low, max=high)
    img.sub_(low).div_(max(high - low, 1e-5))


def norm_range(t, value_range):
    if value_range is not None:
        norm_ip(t, value_range[0], value_range[1])
    else:
        norm_ip(t, float(t.min()), float(t.max()))


def make_grid(tensor, normalize=False, value_range=None, scale_each=False):
    if normalize is True:
        tensor = tensor.clone()  # avoid modifying tensor in-place
        if scale_each is True:
            for t in tensor:  # loop over mini-batch dimension
                norm_range(t, value_range)
        else:
            norm_range(tensor, value_range)
    return tensor


torch.manual_seed(0)
model = nn.Sequential(nn.Conv2d(3, 2, 3))
for sub_module in model.modules():
    if isinstance(sub_module, nn.Conv2d):
        kernels = sub_module.weight.detach()
        c_out, c_int, k_w, k_h = tuple(kernels.shape)
        for o_idx in range(c_out):
            kernel_idx = kernels[o_idx, :, :, :].unsqueeze(1)
            img_grid = make_grid(kernel_idx, normalize=True, scale_each=True)
