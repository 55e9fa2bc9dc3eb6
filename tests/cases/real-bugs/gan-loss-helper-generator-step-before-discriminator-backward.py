# case: gan-loss-helper-generator-step-before-discriminator-backward
# source: https://php.bkmy88.com/faq/1575425.html
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# The article's loss_nonsaturating(d, g, x_real) builds gz = g(z) once and returns both
# d_loss and g_loss from it; the training step backpropagates g_loss (retain_graph=True),
# steps the generator, then backpropagates d_loss, whose graph runs back through g's
# weights that the step has just rewritten. Networks reduced to two tiny MLPs.
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
    dgz = torch.sigmoid(d(gz))
    dx = torch.sigmoid(d(x_real))
    real_label = torch.ones(x_real.shape[0], device=device)
    fake_label = torch.zeros(x_real.shape[0], device=device)
    d_loss = F.binary_cross_entropy(dx, real_label) + F.binary_cross_entropy(dgz, fake_label)
    g_loss = F.binary_cross_entropy(dgz, real_label)
    return d_loss, g_loss


torch.manual_seed(0)
device = "cpu"
g, d = Generator(), Discriminator()
g_optimizer = torch.optim.Adam(g.parameters(), lr=1e-3)
d_optimizer = torch.optim.Adam(d.parameters(), lr=1e-3)
x_real = torch.randn(5, 3)

d_loss, g_loss = loss_nonsaturating(d, g, x_real, device=device)
g_optimizer.zero_grad()
g_loss.backward(retain_graph=True)
g_optimizer.step()  # error: IPL003
d_optimizer.zero_grad()
d_loss.backward()
d_optimizer.step()
