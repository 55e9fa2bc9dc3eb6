# case: eigh-eigenvalues-clamped-out-of-place
# source: inplace-lint issue #13 (look-alike: the eigenvalues are clamped out of place, as GPyTorch does after its fix)
# expect: clean
# torch: clean
# check: lin.weight.grad is not None
import torch
from torch import nn


def spectrum(kernel):
    evals, evecs = torch.linalg.eigh(kernel)
    evals = evals.clamp_min(0.0)
    return evals, evecs


lin = nn.Linear(3, 3)
x = lin(torch.randn(4, 3))
k = x @ x.t()
evals, evecs = spectrum(k)
(evals.sum() + evecs.abs().sum()).backward()
