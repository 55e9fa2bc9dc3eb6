# case: infomax-vae-discriminator-backward-restricted-to-its-inputs
# source: https://github.com/AliLotfi92/InfoMaxVAE/issues/1
# expect: clean
# torch: clean
# check: all(p.grad is not None for p in D.parameters()) and all(p.grad is not None for p in VAE.encode.parameters())

# InfoMax-VAE (AliLotfi92/InfoMaxVAE) after the maintainer's fix
# (utils/train.py, train_infomax): the VAE objective is still backpropagated
# with retain_graph=True and the VAE's Adam still steps before the
# discriminator's backward, but that backward is restricted to the
# discriminator's parameters, `info_xz.backward(inputs=list(disc.parameters()))`,
# so autograd never walks back into the encoder whose saved weights the step
# overwrote. Kept: discriminator and mlp_mnist (models/model_vae.py),
# recon_loss/kl_divergence/permute_dims and the loop body. Reduced: 16-pixel
# inputs, hidden widths 32/64, one random batch; size_average=False written
# as reduction='sum'.
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
optim_VAE.step()

info_loss = Info_xz

optim_D.zero_grad()
info_loss.backward(inputs=list(D.parameters()))
optim_D.step()
