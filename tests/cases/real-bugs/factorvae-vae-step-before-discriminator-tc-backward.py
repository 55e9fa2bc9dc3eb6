# case: factorvae-vae-step-before-discriminator-tc-backward
# source: https://github.com/1Konny/FactorVAE/issues/15
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# The thread: FactorVAE's Solver.train computes `D_z = self.D(z)` from the VAE's latent code, backpropagates the
# VAE loss with `retain_graph=True` and calls `self.optim_VAE.step()`, then builds the discriminator's loss
# `D_tc_loss = 0.5*(F.cross_entropy(D_z, zeros) + F.cross_entropy(D_z_pperm, ones))` from that same D_z and calls
# `D_tc_loss.backward()`: the backward goes through D_z into the encoder, whose weights (saved by the
# convolutions) Adam has just updated in place, and raises "one of the variables needed for gradient computation
# has been modified by an inplace operation". The user found that `F.cross_entropy(D_z.detach(), zeros)` runs.
# Reduced: FactorVAE2's encoder and decoder with two convolutions each on 8x8 images, z_dim 2, a three-layer
# Discriminator, one training step on random data; visdom, checkpoints and the data loader are left out.

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim


class Discriminator(nn.Module):
    def __init__(self, z_dim):
        super(Discriminator, self).__init__()
        self.z_dim = z_dim
        self.net = nn.Sequential(
            nn.Linear(z_dim, 8),
            nn.LeakyReLU(0.2, True),
            nn.Linear(8, 8),
            nn.LeakyReLU(0.2, True),
            nn.Linear(8, 2),
        )

    def forward(self, z):
        return self.net(z).squeeze()


class FactorVAE2(nn.Module):
    def __init__(self, z_dim=2):
        super(FactorVAE2, self).__init__()
        self.z_dim = z_dim
        self.encode = nn.Sequential(
            nn.Conv2d(3, 4, 4, 2, 1),
            nn.ReLU(True),
            nn.Conv2d(4, 2 * z_dim, 4, 1),
        )
        self.decode = nn.Sequential(
            nn.ConvTranspose2d(z_dim, 4, 4),
            nn.ReLU(True),
            nn.ConvTranspose2d(4, 3, 4, 2, 1),
        )

    def reparametrize(self, mu, logvar):
        std = logvar.mul(0.5).exp_()
        eps = std.data.new(std.size()).normal_()
        return eps.mul(std).add_(mu)

    def forward(self, x, no_dec=False):
        stats = self.encode(x)
        mu = stats[:, :self.z_dim]
        logvar = stats[:, self.z_dim:]
        z = self.reparametrize(mu, logvar)

        if no_dec:
            return z.squeeze()
        else:
            x_recon = self.decode(z)
            return x_recon, mu, logvar, z.squeeze()


def recon_loss(x, x_recon):
    n = x.size(0)
    return F.binary_cross_entropy_with_logits(x_recon, x, reduction='sum').div(n)


def kl_divergence(mu, logvar):
    return -0.5 * (1 + logvar - mu ** 2 - logvar.exp()).sum(1).mean()


def permute_dims(z):
    assert z.dim() == 2
    B, _ = z.size()
    perm_z = []
    for z_j in z.split(1, 1):
        perm = torch.randperm(B).to(z.device)
        perm_z_j = z_j[perm]
        perm_z.append(perm_z_j)
    return torch.cat(perm_z, 1)


class Solver(object):
    def __init__(self, z_dim=2, gamma=6.4, batch_size=4):
        self.z_dim = z_dim
        self.gamma = gamma
        self.batch_size = batch_size
        self.VAE = FactorVAE2(self.z_dim)
        self.optim_VAE = optim.Adam(self.VAE.parameters(), lr=1e-4, betas=(0.9, 0.999))
        self.D = Discriminator(self.z_dim)
        self.optim_D = optim.Adam(self.D.parameters(), lr=1e-4, betas=(0.5, 0.9))

    def train(self, data):
        ones = torch.ones(self.batch_size, dtype=torch.long)
        zeros = torch.zeros(self.batch_size, dtype=torch.long)

        for x_true1, x_true2 in data:
            x_recon, mu, logvar, z = self.VAE(x_true1)
            vae_recon_loss = recon_loss(x_true1, x_recon)
            vae_kld = kl_divergence(mu, logvar)

            D_z = self.D(z)
            vae_tc_loss = (D_z[:, :1] - D_z[:, 1:]).mean()

            vae_loss = vae_recon_loss + vae_kld + self.gamma * vae_tc_loss

            self.optim_VAE.zero_grad()
            vae_loss.backward(retain_graph=True)
            self.optim_VAE.step()  # error: IPL003

            z_prime = self.VAE(x_true2, no_dec=True)
            z_pperm = permute_dims(z_prime).detach()
            D_z_pperm = self.D(z_pperm)
            D_tc_loss = 0.5 * (F.cross_entropy(D_z, zeros) + F.cross_entropy(D_z_pperm, ones))

            self.optim_D.zero_grad()
            D_tc_loss.backward()
            self.optim_D.step()


torch.manual_seed(0)
solver = Solver()
data = [(torch.rand(4, 3, 8, 8), torch.rand(4, 3, 8, 8))]
solver.train(data)
