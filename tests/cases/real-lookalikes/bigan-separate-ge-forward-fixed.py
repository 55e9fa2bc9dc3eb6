# case: bigan-separate-ge-forward-fixed
# source: https://github.com/mperezcarrasco/PyTorch-BiGAN/issues/1
# expect: clean
# torch: clean
# check: all(p.grad is not None and bool(torch.isfinite(p.grad).all()) for p in G.parameters()) and d_changed

# The fix posted in the PyTorch-BiGAN issue: after `loss_d.backward(); optimizer_d.step()`
# the trainer clears optimizer_ge's gradients and runs the Generator, Encoder and
# Discriminator forward again ("you need to forward and backward again when update
# generator") before loss_ge.backward(), so the graph for loss_ge holds the Discriminator
# weights as they are after the step. Same reduced TrainerBiGAN models as the bug file.
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import optim


class Discriminator(nn.Module):
    def __init__(self, z_dim=4, wasserstein=False):
        super(Discriminator, self).__init__()
        self.wass = wasserstein
        self.conv1x = nn.Conv2d(3, 8, 3, stride=1, bias=False)
        self.conv2x = nn.Conv2d(8, 16, 4, stride=2, bias=False)
        self.bn2x = nn.BatchNorm2d(16)
        self.conv3x = nn.Conv2d(16, 32, 2, stride=1, bias=False)
        self.conv1z = nn.Conv2d(z_dim, 32, 1, stride=1, bias=False)
        self.conv1xz = nn.Conv2d(64, 64, 1, stride=1, bias=False)
        self.conv3xz = nn.Conv2d(64, 1, 1, stride=1, bias=True)

    def inf_x(self, x):
        x = F.leaky_relu(self.conv1x(x), negative_slope=0.1)
        x = F.leaky_relu(self.bn2x(self.conv2x(x)), negative_slope=0.1)
        x = F.leaky_relu(self.conv3x(x), negative_slope=0.1)
        return x

    def inf_z(self, z):
        return F.leaky_relu(self.conv1z(z), negative_slope=0.1)

    def inf_xz(self, xz):
        xz = F.leaky_relu(self.conv1xz(xz), negative_slope=0.1)
        return self.conv3xz(xz)

    def forward(self, x, z):
        x = self.inf_x(x)
        z = self.inf_z(z)
        xz = torch.cat((x, z), dim=1)
        out = self.inf_xz(xz)
        if self.wass:
            return out
        else:
            return torch.sigmoid(out)


class Generator(nn.Module):
    def __init__(self, z_dim=4):
        super(Generator, self).__init__()
        self.output_bias = nn.Parameter(torch.zeros(3, 8, 8), requires_grad=True)
        self.deconv1 = nn.ConvTranspose2d(z_dim, 16, 4, stride=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.deconv2 = nn.ConvTranspose2d(16, 8, 4, stride=2, padding=1, bias=False)
        self.deconv6 = nn.Conv2d(8, 3, 1, stride=1, bias=True)

    def forward(self, z):
        z = F.leaky_relu(self.bn1(self.deconv1(z)), negative_slope=0.1)
        z = F.leaky_relu(self.deconv2(z), negative_slope=0.1)
        return torch.tanh(self.deconv6(z) + self.output_bias)


class Encoder(nn.Module):
    def __init__(self, z_dim=4):
        super(Encoder, self).__init__()
        self.z_dim = z_dim
        self.conv1 = nn.Conv2d(3, 8, 3, stride=1, bias=False)
        self.conv2 = nn.Conv2d(8, 16, 4, stride=2, bias=False)
        self.conv6 = nn.Conv2d(16, z_dim * 2, 2, stride=1, bias=True)

    def reparameterize(self, z):
        z = z.view(z.size(0), -1)
        mu, log_sigma = z[:, :self.z_dim], z[:, self.z_dim:]
        std = torch.exp(log_sigma)
        eps = torch.randn_like(std)
        return mu + eps * std

    def forward(self, x):
        x = F.leaky_relu(self.conv1(x), negative_slope=0.1)
        x = F.leaky_relu(self.conv2(x), negative_slope=0.1)
        z = self.reparameterize(self.conv6(x))
        return z.view(x.size(0), self.z_dim, 1, 1)


torch.manual_seed(0)
latent_dim = 4
G, E, D = Generator(latent_dim), Encoder(latent_dim), Discriminator(latent_dim)
optimizer_ge = optim.Adam(list(G.parameters()) + list(E.parameters()), lr=1e-4)
optimizer_d = optim.Adam(D.parameters(), lr=1e-4)
criterion = nn.BCELoss()

x = torch.rand(2, 3, 8, 8) * 2 - 1
y_true = torch.ones((x.size(0), 1, 1, 1))
y_fake = torch.zeros((x.size(0), 1, 1, 1))
d_before = D.conv3xz.weight.detach().clone()

# discriminator update
optimizer_d.zero_grad()
z_fake = torch.randn((x.size(0), latent_dim, 1, 1))
x_fake = G(z_fake)
x_true = x.float()
z_true = E(x_true)
out_true = D(x_true, z_true)
out_fake = D(x_fake, z_fake)
loss_d = criterion(out_true, y_true) + criterion(out_fake, y_fake)
loss_d.backward()
optimizer_d.step()

# generator/encoder update: fresh forward through the stepped Discriminator
optimizer_ge.zero_grad()
z_fake = torch.randn((x.size(0), latent_dim, 1, 1))
x_fake = G(z_fake)
z_true = E(x_true)
out_true = D(x_true, z_true)
out_fake = D(x_fake, z_fake)
loss_ge = criterion(out_fake, y_true) + criterion(out_true, y_fake)
loss_ge.backward()
optimizer_ge.step()
d_changed = not torch.equal(d_before, D.conv3xz.weight.detach())
