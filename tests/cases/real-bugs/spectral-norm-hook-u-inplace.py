# case: spectral-norm-hook-u-inplace
# source: https://github.com/pytorch/pytorch/pull/13350
# expect: markers
# torch: raises "modified by an inplace operation"
# known-miss: the write is in a forward pre-hook (SpectralNorm's `__call__` registered with `register_forward_pre_hook`), run before each forward; the analysis does not run forward pre-hooks

# torch/nn/utils/spectral_norm.py as it was between #12671 and this PR, reduced: the SpectralNorm forward pre-
# hook keeps `weight_u` as a module buffer and, to make DataParallel work, runs the power iteration with
# `normalize(..., out=u)`, i.e. it overwrites the buffer in place on every forward. sigma = dot(u, W v) saves
# that buffer for backward. The PR text: this "breaks backward through two forwards (e.g., the common GAN loss
# D(real) - D(fake)) because the vectors needed to backprop the 1st forward is changed in the 2nd forward".
# Reduced to a 2-layer spectral-normalised MLP discriminator and one critic step; the bad write is the `out=u`
# power-iteration line inside the hook, reached through module.register_forward_pre_hook.
import torch
import torch.nn as nn
from torch.nn.functional import normalize


class SpectralNorm(object):

    def __init__(self, name='weight', n_power_iterations=1, dim=0, eps=1e-12):
        self.name = name
        self.dim = dim
        self.n_power_iterations = n_power_iterations
        self.eps = eps

    def compute_weight(self, module):
        weight = getattr(module, self.name + '_orig')
        u = getattr(module, self.name + '_u')
        weight_mat = weight
        height = weight_mat.size(0)
        weight_mat = weight_mat.reshape(height, -1)
        with torch.no_grad():
            for _ in range(self.n_power_iterations):
                # Spectral norm of weight equals to `u^T W v`, where `u` and `v`
                # are the first left and right singular vectors.
                v = normalize(torch.matmul(weight_mat.t(), u), dim=0, eps=self.eps)
                u = normalize(torch.matmul(weight_mat, v), dim=0, eps=self.eps, out=u)  # error: IPL003

        sigma = torch.dot(u, torch.matmul(weight_mat, v))
        weight = weight / sigma
        return weight, u

    def __call__(self, module, inputs):
        if module.training:
            weight, u = self.compute_weight(module)
            setattr(module, self.name, weight)
            setattr(module, self.name + '_u', u)

    @staticmethod
    def apply(module, name, n_power_iterations, dim, eps):
        fn = SpectralNorm(name, n_power_iterations, dim, eps)
        weight = module._parameters[name]
        height = weight.size(dim)
        u = normalize(weight.new_empty(height).normal_(0, 1), dim=0, eps=fn.eps)
        delattr(module, fn.name)
        module.register_parameter(fn.name + "_orig", weight)
        module.register_buffer(fn.name, weight.data)
        module.register_buffer(fn.name + "_u", u)
        module.register_forward_pre_hook(fn)
        return fn


def spectral_norm(module, name='weight', n_power_iterations=1, eps=1e-12, dim=0):
    SpectralNorm.apply(module, name, n_power_iterations, dim, eps)
    return module


torch.manual_seed(0)
netG = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 6))
netD = nn.Sequential(
    spectral_norm(nn.Linear(6, 8)),
    nn.LeakyReLU(0.2),
    spectral_norm(nn.Linear(8, 1)),
)
optD = torch.optim.Adam(netD.parameters(), lr=2e-4, betas=(0.0, 0.9))

real = torch.randn(5, 6)
fake = netG(torch.randn(5, 4)).detach()
optD.zero_grad()
errD = -(netD(real).mean() - netD(fake).mean())
errD.backward()
optD.step()
