# case: torchvision-make-grid-normalize-conv-kernels
# source: https://github.com/pytorch/vision/issues/3025
# expect: markers
# torch: raises "is a view and is being modified inplace. This view is the output of a function that returns multiple views"

# The user visualises each output channel of a conv's weight with make_grid(normalize=True, scale_each=True);
# make_grid clones the batch and, with scale_each, normalises every image of it in place while iterating over it
# (`for t in tensor: norm_range(t, value_range)`). torchvision is not installed here: make_grid is reduced to that
# branch (torchvision/utils.py of the time). A value_range is passed so that the default path's float(t.min()) on a
# tensor that requires grad (a UserWarning in torch 2.13) is not what stops the script first.
import torch
import torch.nn as nn


def norm_ip(img, low, high):
    img.clamp_(min=low, max=high)  # error: IPL009
    img.sub_(low).div_(max(high - low, 1e-5))  # error: IPL009


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
        kernels = sub_module.weight
        c_out, c_int, k_w, k_h = tuple(kernels.shape)
        for o_idx in range(c_out):
            kernel_idx = kernels[o_idx, :, :, :].unsqueeze(1)  # kernel_idx.grad_fn == UnsqueezeBackward0
            img_grid = make_grid(kernel_idx, normalize=True, value_range=(-0.5, 0.5), scale_each=True)
