# case: grad-guard-predicate-helper-checks-one-input
# source: inplace-lint issue #13 (the bug beside grad-guard-predicate-helper-fast-path: the guard looks at one input only, and the other one requires grad)
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"
import torch
import torch.nn.functional as F
from torch import nn


def _fast_path_ok(a):
    """In-place arithmetic when the prediction needs no gradient (forgets about the target)."""
    return not (torch.is_grad_enabled() and a.requires_grad)


def similarity(a, b):
    if _fast_path_ok(a):
        mu_b = torch.sigmoid(b)
        return mu_b.mul_(a)  # error: IPL003
    return torch.sigmoid(b) * a


class SimilarityLoss(nn.Module):
    def forward(self, a, b):
        return 1 - similarity(a, b).mean()


torch.manual_seed(0)
pred = torch.rand(1, 3, 8, 8)
target = torch.rand(1, 3, 8, 8, requires_grad=True)
SimilarityLoss()(pred, target).backward()
