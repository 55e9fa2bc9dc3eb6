# case: gan-loss-helper-generator-step-before-discriminator-backward-fixed
# source: https://php.bkmy88.com/faq/1575425.html
# expect: clean
# torch: clean
# check: all(p.grad is not None and torch.isfinite(p.grad).all() for p in d.parameters())

# The article's fix: the discriminator's loss sees gz.detach(), so d_loss's graph stops at
# the generator's output and never needs the generator weights the step rewrote.
import torch
import torch.nn as nn
import torch.nn.functional as F


class Generator(nn.Module):
    def __init__(self, z_dim=4):
        super().__init__()
        self.z_dim = z_dim
        self.net = nn.Sequential(nn.Linear(z_dim, 8), nn.ReLU(), nn.Linear(8, 3))

    def forward(self, z):
        return self.net(z)


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(3, 8), nn.LeakyReLU(0.2), nn.Linear(8, 1))

    def forward(self, x):
        return self.net(x).squeeze(-1)


def loss_nonsaturating(d, g, x_real, *, device):
    z = torch.randn(x_real.shape[0], g.z_dim, device=device)
    gz = g(z)
    dgz_for_d = torch.sigmoid(d(gz.detach()))
    dgz_for_g = torch.sigmoid(d(gz))
    dx = torch.sigmoid(d(x_real))
    real_label = torch.ones(x_real.shape[0], device=device)
    fake_label = torch.zeros(x_real.shape[0], device=device)
    d_loss = F.binary_cross_entropy(dx, real_label) + F.binary_cross_entropy(dgz_for_d, fake_label)
    g_loss = F.binary_cross_entropy(dgz_for_g, real_label)
    return d_loss, g_loss


torch.manual_seed(0)
device = "cpu"
g, d = Generator(), Discriminator()
g_optimizer = torch.optim.Adam(g.parameters(), lr=1e-3)
d_optimizer = torch.optim.Adam(d.parameters(), lr=1e-3)
x_real = torch.randn(5, 3)

d_loss, g_loss = loss_nonsaturating(d, g, x_real, device=device)
g_optimizer.zero_grad()
g_loss.backward()
g_optimizer.step()
d_optimizer.zero_grad()
d_loss.backward()
d_optimizer.step()
