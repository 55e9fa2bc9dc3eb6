# case: generator-of-block-lists-step-after-discriminator-backward
# source: inplace-lint issue #13 (the look-alike of generator-of-block-lists-step-before-discriminator-backward: both losses are backpropagated before either optimizer steps, the fix of https://github.com/chojw/genb/issues/6)
# expect: clean
# torch: clean
# check: gen.net[0].weight.grad is not None
import torch
from torch import nn


class Generator(nn.Module):
    def __init__(self, z_dim, hidden, out_dim):
        super().__init__()

        def block(in_feat, out_feat, normalize=True):
            layers = [nn.Linear(in_feat, out_feat)]
            if normalize:
                layers.append(nn.BatchNorm1d(out_feat))
            layers.append(nn.LeakyReLU(0.2, inplace=True))
            return layers

        self.z_dim = z_dim
        self.net = nn.Sequential(*block(z_dim, hidden, normalize=False), *block(hidden, hidden),
                                 nn.Linear(hidden, out_dim), nn.Tanh())

    def forward(self, n):
        return self.net(torch.randn(n, self.z_dim))


gen = Generator(4, 16, 8)
disc = nn.Sequential(nn.Linear(8, 1), nn.Sigmoid())
opt_g = torch.optim.Adam(filter(lambda p: p.requires_grad, gen.parameters()), lr=1e-3)
opt_d = torch.optim.Adam(filter(lambda p: p.requires_grad, disc.parameters()), lr=1e-3)
fake = gen(6)
score = disc(fake)
g_loss = -torch.log(score).mean()
g_loss.backward(retain_graph=True)
d_loss = -torch.log(1 - score).mean()
d_loss.backward()
opt_g.step()
opt_d.step()
