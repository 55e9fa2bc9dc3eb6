# case: gpytorch-kronecker-symeig-evals-clamped-in-place
# source: https://github.com/cornellius-gp/gpytorch/pull/1203
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# GPyTorch (Gaussian processes), Kronecker-structured kernels. The PR
# ("In place _symeig clamping fails to have correct backwards") replaces
# the in-place `clamp_min_` that chops negative eigenvalues after the
# symmetric eigendecomposition by `clamp_min`: the eigendecomposition saves
# its eigenvalues (and eigenvectors) for its backward, so clamping them in
# place breaks the gradient of the marginal log-likelihood with respect to
# the kernel hyperparameters. Kept: KroneckerProductLazyTensor._symeig's
# loop over the factors (evaluate, cast to double, decompose, chop the
# negative eigenvalues, cast back, collect evals / evecs), and a Kronecker
# GP marginal log-likelihood computed in the eigenbasis. Completed:
# torch.linalg.eigh instead of the removed Tensor.symeig, plain tensors
# instead of DiagLazyTensor / KroneckerProductLazyTensor results, an RBF
# kernel module with a softplus lengthscale, a 4 x 3 grid with random
# targets. The exact pre-fix line is reconstructed from the PR title and the
# post-fix code (`evals_ = evals_.clamp_min(0.0)`), see SOURCES.md.
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class RBFKernel(nn.Module):
    def __init__(self):
        super().__init__()
        self.raw_lengthscale = nn.Parameter(torch.zeros(1))

    @property
    def lengthscale(self):
        return F.softplus(self.raw_lengthscale)

    def forward(self, x1, x2):
        diff = (x1.unsqueeze(-2) - x2.unsqueeze(-3)) / self.lengthscale
        return torch.exp(-0.5 * diff.pow(2).sum(-1))


class KroneckerProductLazyTensor(object):
    def __init__(self, *lazy_tensors):
        self.lazy_tensors = lazy_tensors

    def _symeig(self, eigenvectors=True):
        # eigenvectors may not get zeroed if called w/o eigenvectors after initialization

        evals, evecs = [], []
        for lazy_tensor in self.lazy_tensors:
            eval_tensor = lazy_tensor
            tensor_dtype = eval_tensor.dtype

            evals_, evecs_ = torch.linalg.eigh(eval_tensor.double())

            # we chop any negative eigenvalues
            evals_.clamp_min_(0.0)  # error: IPL003

            evals_ = evals_.type(tensor_dtype)
            evecs_ = evecs_.type(tensor_dtype)

            evals.append(evals_)
            evecs.append(evecs_)
        return evals, evecs


def kron(a, b):
    return (a.unsqueeze(-1).unsqueeze(-3) * b.unsqueeze(-2).unsqueeze(-4)).reshape(
        a.size(-2) * b.size(-2), a.size(-1) * b.size(-1))


class KroneckerGP(nn.Module):
    def __init__(self, grid_1, grid_2):
        super().__init__()
        self.grid_1, self.grid_2 = grid_1, grid_2
        self.kernel_1 = RBFKernel()
        self.kernel_2 = RBFKernel()
        self.raw_noise = nn.Parameter(torch.tensor(-2.0))

    def marginal_log_likelihood(self, y):
        K1 = self.kernel_1(self.grid_1, self.grid_1)
        K2 = self.kernel_2(self.grid_2, self.grid_2)
        covar = KroneckerProductLazyTensor(K1, K2)
        (e1, e2), (Q1, Q2) = covar._symeig(eigenvectors=True)
        evals = (e1.unsqueeze(-1) * e2.unsqueeze(-2)).reshape(-1) + F.softplus(self.raw_noise)
        Q = kron(Q1, Q2)
        y_rot = Q.transpose(-1, -2) @ y
        inv_quad = (y_rot.pow(2) / evals).sum()
        logdet = evals.log().sum()
        n = y.numel()
        return -0.5 * (inv_quad + logdet + n * math.log(2 * math.pi)) / n


torch.manual_seed(0)
grid_1 = torch.linspace(0, 1, 4).unsqueeze(-1)
grid_2 = torch.linspace(0, 1, 3).unsqueeze(-1)
y = torch.randn(12)
model = KroneckerGP(grid_1, grid_2)
optimizer = torch.optim.Adam(model.parameters(), lr=0.1)
for i in range(3):
    optimizer.zero_grad()
    loss = -model.marginal_log_likelihood(y)
    loss.backward()
    optimizer.step()
