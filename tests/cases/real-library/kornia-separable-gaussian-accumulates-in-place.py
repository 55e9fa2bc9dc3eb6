# case: kornia-separable-gaussian-accumulates-in-place
# source: https://github.com/kornia/kornia/blob/main/kornia/filters/gaussian.py
# expect: clean
# torch: clean
# check: img.grad is not None and sigma.grad is not None and bool(torch.isfinite(sigma.grad).all())

# kornia 0.9.0's separable Gaussian blur (`_separable_gaussian_accumulate` as in the library; the kernel is built by
# a stand-in with the same shapes, and `is_compiling()`/functorch checks are reduced to a flag). Per axis, the input
# is padded (reflect padding saves its input), and `output`, made anew by `padded.narrow(...) * kernel[...]`, is
# accumulated into with `addcmul_`: on the second axis `output` is a new tensor, not the first axis's output that
# `F.pad` saved (`input = output` still holds that one), and the `else` branch rebinds `output` instead of writing.
import torch
import torch.nn.functional as F


def _separable_gaussian_accumulate(input, kernel_x, kernel_y, border_type="reflect", reuse_accumulator=True):
    for axis, kernel in ((-1, kernel_x), (-2, kernel_y)):
        size = input.shape[axis]
        radius = kernel.shape[-1] // 2
        padding = (radius, radius, 0, 0) if axis == -1 else (0, 0, radius, radius)
        padded = F.pad(input, padding, mode=border_type)
        output = padded.narrow(axis, 0, size) * kernel[:, 0, None, None, None]
        for tap in range(1, kernel.shape[-1]):
            values = padded.narrow(axis, tap, size)
            weight = kernel[:, tap, None, None, None]
            if reuse_accumulator:
                output.addcmul_(values, weight)
            else:
                output = output.addcmul(values, weight)
        input = output
    return input


def gaussian_kernel1d(size, sigma):
    x = torch.arange(size, dtype=sigma.dtype) - size // 2
    k = torch.exp(-(x[None, :] ** 2) / (2 * sigma[:, None] ** 2))
    return k / k.sum(-1, keepdim=True)


torch.manual_seed(0)
img = torch.rand(2, 3, 8, 8, requires_grad=True)
sigma = torch.tensor([1.0, 1.5], requires_grad=True)
k = gaussian_kernel1d(5, sigma)
for reuse in (True, False):
    _separable_gaussian_accumulate(img, k, k, reuse_accumulator=reuse).sum().backward(retain_graph=True)
