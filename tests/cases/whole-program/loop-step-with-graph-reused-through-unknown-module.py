# case: loop-step-with-graph-reused-through-unknown-module
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# SinGAN's mistake (tests/cases/real-bugs/singan-...) with modules the analysis cannot follow (an nn.Sequential
# subclass filled by add_module): the generator's output made before the loop is backpropagated on every pass, so
# the step of one pass writes the weights that graph saved before the next pass's backward.
import torch
import torch.nn as nn


class Block(nn.Sequential):
    def __init__(self, c):
        super().__init__()
        self.add_module("conv", nn.Conv2d(c, c, 3, padding=1))
        self.add_module("act", nn.LeakyReLU(0.2))


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.head = Block(3)
        self.tail = nn.Sequential(nn.Conv2d(3, 3, 3, padding=1), nn.Tanh())

    def forward(self, x):
        return self.tail(self.head(x))


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.head = Block(3)
        self.tail = nn.Conv2d(3, 1, 3, padding=1)

    def forward(self, x):
        return self.tail(self.head(x))


netG, netD = Generator(), Discriminator()
optG = torch.optim.Adam(netG.parameters(), lr=1e-3)
optD = torch.optim.Adam(netD.parameters(), lr=1e-3)
real = torch.rand(1, 3, 8, 8)
fake = netG(real)
for _ in range(3):
    optD.zero_grad()
    errD = netD(fake.detach()).mean() - netD(real).mean()
    errD.backward()
    optD.step()
for _ in range(3):
    optG.zero_grad()
    out = netD(fake)
    errG = -out.mean()
    errG.backward(retain_graph=True)
    optG.step()  # error: IPL003
