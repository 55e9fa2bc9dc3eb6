# case: two-generators-chained-params-step-discriminator-on-detached
# source: inplace-lint issue #13 (the look-alike of two-generators-chained-params-step-before-discriminator-backward: the discriminator sees fake_y.detach())
# expect: clean
# torch: clean
# check: disc.weight.grad is not None
import itertools

import torch
from torch import nn


class Generator(nn.Module):
    def __init__(self, blocks=2):
        super().__init__()
        model = [nn.Linear(4, 4), nn.ReLU(True)]
        for _ in range(blocks):
            model += [nn.Linear(4, 4), nn.ReLU(True)]
        model += [nn.Linear(4, 4), nn.Tanh()]
        self.model = nn.Sequential(*model)

    def forward(self, x):
        return self.model(x)


g_xy, g_yx = Generator(), Generator()
disc = nn.Linear(4, 1)
opt_g = torch.optim.Adam(itertools.chain(g_xy.parameters(), g_yx.parameters()), lr=1e-3)
real_x = torch.randn(3, 4)
fake_y = g_xy(real_x)
loss_g = disc(fake_y).mean() + (g_yx(fake_y) - real_x).abs().mean()
opt_g.zero_grad()
loss_g.backward()
opt_g.step()
loss_d = disc(fake_y.detach()).mean()
loss_d.backward()
