# case: grad-guard-predicate-helper-fast-path
# source: https://github.com/kornia/kornia/blob/main/kornia/metrics/ssim.py (the `_ssim_cpu_eligible` guard: in-place moments only when no graph is recorded)
# expect: clean
# torch: clean
# check: img.grad is not None and bool(torch.isfinite(img.grad).all())
import torch
import torch.nn.functional as F
from torch import nn


def _fast_path_ok(a, b):
    """In-place arithmetic only when autograd records nothing."""
    return not (torch.is_grad_enabled() and (a.requires_grad or b.requires_grad)) and a.is_contiguous()


def _moments_in_place(a, b):
    mu_a = F.avg_pool2d(a, 3, 1, 1)
    mu_b = F.avg_pool2d(b, 3, 1, 1)
    prod = mu_a * mu_b
    sq_a, sq_b = mu_a.pow_(2), mu_b.pow_(2)
    return prod.mul_(2).add_(1e-4).div_(sq_a.add_(sq_b).add_(1e-4))


def _moments(a, b):
    mu_a = F.avg_pool2d(a, 3, 1, 1)
    mu_b = F.avg_pool2d(b, 3, 1, 1)
    return (2 * mu_a * mu_b + 1e-4) / (mu_a ** 2 + mu_b ** 2 + 1e-4)


def similarity(a, b):
    if _fast_path_ok(a, b):
        return _moments_in_place(a, b)
    return _moments(a, b)


class SimilarityLoss(nn.Module):
    def forward(self, a, b):
        return 1 - similarity(a, b).mean()


torch.manual_seed(0)
img = torch.rand(1, 3, 8, 8, requires_grad=True)
ref = torch.rand(1, 3, 8, 8)
SimilarityLoss()(img, ref).backward()
with torch.no_grad():
    score = SimilarityLoss()(img, ref)
