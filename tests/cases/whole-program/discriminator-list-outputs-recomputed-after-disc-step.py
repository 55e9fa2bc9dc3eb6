# case: discriminator-list-outputs-recomputed-after-disc-step
# expect: clean
# torch: clean
# check: all(p.grad is not None for p in gen.parameters())

# The GAN of sum-of-discriminator-outputs-backward-after-disc-step in the order the fix uses, in a training loop: the
# generator's pass through the discriminator runs after the discriminator's step, so the outputs its list
# comprehension makes then are new tensors whose graph saved the new weights (those of the discriminator's own pass,
# made by the same line of its forward, are not them).
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
x = torch.randn(5, 3)
for epoch in range(2):
    g = gen(x)
    d_loss = sum([torch.mean(o) for o in disc(g.detach())])
    d_loss.backward()
    d_opt.step()
    gen_loss = -sum([torch.mean(o) for o in disc(g)])
    gen_loss.backward(retain_graph=True)
