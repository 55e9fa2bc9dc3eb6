# case: spectral-norm-hook-clone-fixed
# source: https://github.com/pytorch/pytorch/pull/13350
# expect: clean
# torch: clean
# check: all(p.grad is not None and torch.isfinite(p.grad).all() for p in netD.parameters())

# The SpectralNorm forward pre-hook after this PR (reduced the same way): `v` is now a buffer too, and the power
# iteration still overwrites both buffers in place (`out=v`, `out=u`) under torch.no_grad so that DataParallel
# replicas keep updating them, but `u = u.clone(); v = v.clone()` is taken right after the loop, so sigma =
# dot(u, W v) saves private copies. The second discriminator forward (D(fake) after D(real)) thus rewrites the
# buffers without touching anything the first forward saved, and the GAN critic loss backprops.
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
        v = getattr(module, self.name + '_v')
        weight_mat = weight
        height = weight_mat.size(0)
        weight_mat = weight_mat.reshape(height, -1)
        with torch.no_grad():
            for _ in range(self.n_power_iterations):
                # Spectral norm of weight equals to `u^T W v`, where `u` and `v`
                # are the first left and right singular vectors.
                v = normalize(torch.mv(weight_mat.t(), u), dim=0, eps=self.eps, out=v)
                u = normalize(torch.mv(weight_mat, v), dim=0, eps=self.eps, out=u)
            if self.n_power_iterations > 0:
                # See above on why we need to clone
                u = u.clone()
                v = v.clone()

        sigma = torch.dot(u, torch.mv(weight_mat, v))
        weight = weight / sigma
        return weight

    def __call__(self, module, inputs):
        if module.training:
            setattr(module, self.name, self.compute_weight(module))

    @staticmethod
    def apply(module, name, n_power_iterations, dim, eps):
        fn = SpectralNorm(name, n_power_iterations, dim, eps)
        weight = module._parameters[name]
        with torch.no_grad():
            weight_mat = weight.reshape(weight.size(0), -1)
            h, w = weight_mat.size()
            u = normalize(weight.new_empty(h).normal_(0, 1), dim=0, eps=fn.eps)
            v = normalize(weight.new_empty(w).normal_(0, 1), dim=0, eps=fn.eps)
        delattr(module, fn.name)
        module.register_parameter(fn.name + "_orig", weight)
        module.register_buffer(fn.name, weight.data)
        module.register_buffer(fn.name + "_u", u)
        module.register_buffer(fn.name + "_v", v)
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
