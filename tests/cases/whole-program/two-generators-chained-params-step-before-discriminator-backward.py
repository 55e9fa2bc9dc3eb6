# case: two-generators-chained-params-step-before-discriminator-backward
# source: inplace-lint issue #13 (session 10: CycleGAN's shape, https://github.com/cy-xu/simple_CycleGAN/issues/3 -- one optimizer over itertools.chain of two generators whose layers are appended in a loop)
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"
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
loss_g.backward(retain_graph=True)
opt_g.step()  # error: IPL003
loss_d = disc(fake_y).mean()  # fake_y not detached: its graph runs back through g_xy, whose weights just changed
loss_d.backward()
