# case: kornia-aliked-integer-corners-clamped-in-place
# source: https://github.com/kornia/kornia/blob/main/kornia/feature/aliked/aliked.py
# expect: clean
# torch: clean
# check: desc.grad is not None and bool(torch.isfinite(desc.grad).all())

# kornia 0.9.0's ALIKED patch extraction (`get_patches` as in the library; the descriptor head reduced to one
# call). `corner = (...).long()` is an integer tensor: it cannot require grad, so `.clamp()` of it saves nothing for
# backward and writing the clamped values back into `corner` is fine, even when the keypoints it comes from require
# grad.
import torch
from torch import nn


def get_patches(tensor, required_corners, ps):
    c, h, w = tensor.shape
    corner = (required_corners - ps / 2 + 1).long()
    corner[:, 0] = corner[:, 0].clamp(min=0, max=w - 1 - ps)
    corner[:, 1] = corner[:, 1].clamp(min=0, max=h - 1 - ps)
    offset = torch.arange(0, ps)
    x, y = torch.meshgrid(offset, offset, indexing="ij")
    patches = torch.stack((x, y)).permute(2, 1, 0).unsqueeze(2)
    patches = patches + corner[None, None]
    pts = patches.reshape(-1, 2)
    sampled = tensor.permute(1, 2, 0)[tuple(pts.T)[::-1]]
    return sampled.reshape(ps, ps, -1, c).permute(2, 3, 0, 1)


class SDDH(nn.Module):
    def __init__(self, kernel_size=3):
        super().__init__()
        self.kernel_size = kernel_size
        self.get_patches_func = get_patches

    def forward(self, x, keypoints):
        return self.get_patches_func(x, keypoints, self.kernel_size)


torch.manual_seed(0)
desc = torch.rand(4, 16, 16, requires_grad=True)
kpts = (torch.rand(5, 2) * 15).requires_grad_()
SDDH()(desc, kpts).sum().backward()
