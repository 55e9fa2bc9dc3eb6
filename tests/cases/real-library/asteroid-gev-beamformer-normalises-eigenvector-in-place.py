# case: asteroid-gev-beamformer-normalises-eigenvector-in-place
# source: https://github.com/asteroid-team/asteroid/blob/master/asteroid/dsp/beamforming.py
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# asteroid 0.7.0's GEVBeamformer.compute_beamforming_vector: `bf_vect /= torch.norm(bf_vect, dim=-1, keepdim=True)`.
# `torch.norm` saves its input for backward, and the `/=` overwrites it: training a mask estimator through the GEV
# beamformer (the SCMs computed from predicted masks, as asteroid's beamforming recipes do) raises in backward. Run
# with the library's own module (only torch needed) it raises the same error. Reduced: SCMs from random masks, the
# generalised eigenvalue decomposition through Cholesky as in the library, without its dtype juggling.
import torch
from torch import nn


def compute_scm(x, mask):
    x = x * mask.unsqueeze(1)
    scm = torch.einsum("bmft,bnft->bmnf", x, x.conj())
    return scm / mask.sum(-1, keepdim=True).transpose(-1, -2)


def generalized_eigenvalue_decomposition(a, b):
    cholesky = torch.linalg.cholesky(b)
    inv_cholesky = torch.inverse(cholesky)
    cmat = inv_cholesky @ a @ inv_cholesky.conj().transpose(-1, -2)
    e_val, e_vec = torch.linalg.eigh(cmat)
    e_vec = torch.matmul(inv_cholesky.conj().transpose(-1, -2), e_vec)
    return e_val, e_vec


class GEVBeamformer(nn.Module):
    def forward(self, mix, target_scm, noise_scm):
        bf_vect = self.compute_beamforming_vector(target_scm, noise_scm)
        return torch.einsum("...mft,...mf->...ft", mix, bf_vect.conj())

    @staticmethod
    def compute_beamforming_vector(target_scm, noise_scm):
        noise_scm_t = noise_scm.permute(0, 3, 1, 2)
        noise_scm_t = noise_scm_t + 1e-6 * torch.eye(noise_scm_t.shape[-1])
        e_val, e_vec = generalized_eigenvalue_decomposition(target_scm.permute(0, 3, 1, 2), noise_scm_t)
        bf_vect = e_vec[..., -1]
        bf_vect /= torch.norm(bf_vect, dim=-1, keepdim=True)  # error: IPL003
        bf_vect = bf_vect.squeeze(-1).transpose(-1, -2)
        return bf_vect


torch.manual_seed(0)
mix = torch.randn(1, 3, 5, 7, dtype=torch.complex64)
mask_net = nn.Linear(7, 7)
target_mask = torch.sigmoid(mask_net(torch.randn(1, 5, 7)))
noise_mask = 1 - target_mask
out = GEVBeamformer()(mix, compute_scm(mix, target_mask), compute_scm(mix, noise_mask))
out.abs().sum().backward()
