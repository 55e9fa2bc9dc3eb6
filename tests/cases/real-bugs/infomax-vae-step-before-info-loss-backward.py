# case: infomax-vae-step-before-info-loss-backward
# source: https://github.com/AliLotfi92/InfoMaxVAE/issues/1
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# InfoMax-VAE (AliLotfi92/InfoMaxVAE). The training loop backpropagates the
# VAE objective (reconstruction + KL + gamma * the mutual-information term
# Info_xz) with retain_graph=True and steps the VAE's Adam, then
# backpropagates Info_xz alone to train the discriminator. Info_xz was
# computed from z, i.e. through the encoder, whose graph saved the encoder's
# weights: optim_VAE.step() has just overwritten them in place (the issue's
# "[1000, 4] ... output 0 of TBackward, is at version 2; expected version
# 1", the transposed weight of the MLP encoder's last Linear(1000, 2*z_dim)).
# Kept: discriminator and mlp_mnist (models/model_vae.py) with their
# reparametrize, recon_loss/kl_divergence/permute_dims, the two optimizers
# and the loop body of the old training scripts (the same sequence as
# CIFAR-10/InfoMaxVAE_CIFAR10.py, which the infoMaxVAE.py shared).
# Reduced: 16-pixel inputs instead of 784, hidden widths 32/64 instead of
# 1000/2000, one random batch; F.binary_cross_entropy's deprecated
# size_average=False written as reduction='sum'.
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim


class discriminator(nn.Module):

    """discriminator network.
    Args:
        z_dim (int): dimension of latent code (typically a number in [10 - 256])
        x_dim (int): for example m x n x c for [m, n, c]
    """
    def __init__(self, z_dim=2, x_dim=784, hidden=32):
        super(discriminator, self).__init__()
        self.z_dim = z_dim
        self.x_dim = x_dim
        self.net = nn.Sequential(
            nn.Linear(self.x_dim + self.z_dim, hidden),
            nn.ReLU(True),
            nn.Linear(hidden, hidden),
            nn.ReLU(True),
            nn.Linear(hidden, hidden),
            nn.ReLU(True),
            nn.Linear(hidden, 1),
        )

    def forward(self, x, z):
        x = x.view(-1, self.x_dim)
        x = torch.cat((x, z), 1)
        return self.net(x).squeeze()


class mlp_mnist(nn.Module):

    def __init__(self, x_dim=784, z_dim=2, h1=32, h2=64):
        super(mlp_mnist, self).__init__()
        self.z_dim = z_dim
        self.x_dim = x_dim
        self.encode = nn.Sequential(
            nn.Linear(self.x_dim, h1),
            nn.ReLU(True),
            nn.Linear(h1, h2),
            nn.ReLU(True),
            nn.Linear(h2, h1),
            nn.ReLU(True),
            nn.Linear(h1, 2 * self.z_dim),
        )
        self.decode = nn.Sequential(
            nn.Linear(self.z_dim, h1),
            nn.ReLU(True),
            nn.Linear(h1, h2),
            nn.ReLU(True),
            nn.Linear(h2, self.x_dim),
            nn.Sigmoid(),
        )

    def reparametrize(self, mu, logvar):
        std = logvar.mul(0.5).exp_()
        eps = std.data.new(std.size()).normal_()
        return eps.mul(std).add_(mu)

    def forward(self, x, no_enc=False):
        stats = self.encode(x.view(-1, self.x_dim))
        mu = stats[:, :self.z_dim]
        logvar = stats[:, self.z_dim:]
        z = self.reparametrize(mu, logvar)
        x_recon = self.decode(z).view(x.size())
        return x_recon, mu, logvar, z.squeeze()


def recon_loss(x_recon, x):
    n = x.size(0)
    loss = F.binary_cross_entropy(x_recon, x, reduction='sum').div(n)
    return loss


def kl_divergence(mu, logvar):
    kld = -0.5 * (1 + logvar - mu ** 2 - logvar.exp()).sum(1).mean()
    return kld


def permute_dims(z):
    assert z.dim() == 2
    B, _ = z.size()
    perm = torch.randperm(B)
    perm_z = z[perm]
    return perm_z


z_dim = 2
lr = 0.001
beta1 = 0.9
beta2 = 0.999
gamma = 10
lam = 0.1

torch.manual_seed(0)
VAE = mlp_mnist(x_dim=16, z_dim=z_dim)
D = discriminator(z_dim, x_dim=16)

optim_VAE = optim.Adam(VAE.parameters(), lr=lr, betas=(beta1, beta2))
optim_D = optim.Adam(D.parameters(), lr=0.00001, betas=(beta1, beta2))

x_true = torch.rand(8, 1, 4, 4)
x_recon, mu, logvar, z = VAE(x_true)

D_xz = D(x_true, z)
z_perm = permute_dims(z)
D_x_z = D(x_true, z_perm)

Info_xz = -(D_xz.mean() - (torch.exp(D_x_z - 1).mean()))

vae_recon_loss = recon_loss(x_recon, x_true)
vae_kld = kl_divergence(mu, logvar)

vae_loss = vae_recon_loss + lam * vae_kld + gamma * Info_xz

optim_VAE.zero_grad()
vae_loss.backward(retain_graph=True)
optim_VAE.step()  # error: IPL003

info_loss = Info_xz

optim_D.zero_grad()
info_loss.backward()
optim_D.step()
