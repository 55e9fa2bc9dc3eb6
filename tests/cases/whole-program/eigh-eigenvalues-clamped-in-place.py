# case: eigh-eigenvalues-clamped-in-place
# source: inplace-lint issue #13 (GPyTorch-style: negative eigenvalues chopped in place; eigh saved its outputs)
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"
import torch
from torch import nn


def spectrum(kernel):
    evals, evecs = torch.linalg.eigh(kernel)
    evals.clamp_min_(0.0)  # error: IPL003
    return evals, evecs


lin = nn.Linear(3, 3)
x = lin(torch.randn(4, 3))
k = x @ x.t()
evals, evecs = spectrum(k)
(evals.sum() + evecs.abs().sum()).backward()
