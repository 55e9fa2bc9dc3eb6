# case: sum-of-discriminator-outputs-backward-after-disc-step
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# A causal-discovery GAN (the Causal Discovery Toolbox's SAM): the discriminator returns one output per variable
# (a list comprehension in its forward), the generator loss adds them up with the builtin `sum()`, and the
# discriminator's optimizer steps before that loss is backpropagated, rewriting weights its graph saved.
import torch
import torch.nn as nn


class Disc(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))

    def forward(self, x):
        return [self.layers(i) for i in torch.unbind(x.unsqueeze(1), 1)]


disc = Disc()
d_opt = torch.optim.Adam(disc.parameters())
gen = nn.Linear(3, 3)
g = gen(torch.randn(5, 3))
gen_loss = -sum([torch.mean(o) for o in disc(g)])
d_loss = sum([torch.mean(o) for o in disc(g.detach())])
d_loss.backward()
d_opt.step()  # error: IPL003
gen_loss.backward()
