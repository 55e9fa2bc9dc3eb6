# case: bppnet-dehaze-gan-discriminator-step-then-generator-loss
# source: https://github.com/ayu-22/BPPNet-Back-Projected-Pyramid-Network/issues/6
# expect: clean
# torch: clean
# check: all(p.grad is not None for p in generator.parameters()) and discriminator.model[0].weight.grad is not None

# Look-alike of bppnet-dehaze-gan-both-losses-then-discriminator-step: the author's fix from the
# thread -- "first do the gradient descent on the discriminator and then calculate the generator
# loss". The generator loss's pass through the discriminator is made after optimizer_D.step(),
# so it saves the updated weights.
import torch
import torch.nn as nn


class PyramidGenerator(nn.Module):
    def __init__(self, ch=8):
        super().__init__()
        self.down = nn.Sequential(nn.Conv2d(3, ch, 3, 2, 1), nn.LeakyReLU(0.2))
        self.mid = nn.Sequential(nn.Conv2d(ch, ch, 3, 1, 1), nn.LeakyReLU(0.2))
        self.up = nn.ConvTranspose2d(ch, ch, 4, 2, 1)
        self.out = nn.Sequential(nn.Conv2d(ch + 3, 3, 3, 1, 1), nn.Tanh())

    def forward(self, hazy):
        f = self.up(self.mid(self.down(hazy)))
        return self.out(torch.cat([f, hazy], dim=1))


class Discriminator(nn.Module):
    def __init__(self, ch=8):
        super().__init__()
        self.model = nn.Sequential(
            nn.Conv2d(6, ch, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(ch, 2 * ch, 4, 2, 1), nn.BatchNorm2d(2 * ch), nn.LeakyReLU(0.2),
            nn.Conv2d(2 * ch, 1, 4, 1, 1), nn.Sigmoid(),
        )

    def forward(self, hazy, img):
        return self.model(torch.cat([hazy, img], dim=1))


def train(epochs, generator, discriminator, optimizer_G, optimizer_D, loader):
    bce, l1 = nn.BCELoss(), nn.L1Loss()
    for epoch in range(epochs):
        for hazy, clear in loader:
            fake = generator(hazy)
            pred_real = discriminator(hazy, clear)
            pred_fake = discriminator(hazy, fake.detach())
            dis_loss = 0.5 * (bce(pred_real, torch.ones_like(pred_real)) + bce(pred_fake, torch.zeros_like(pred_fake)))

            optimizer_D.zero_grad()
            dis_loss.backward()
            optimizer_D.step()

            pred_gen = discriminator(hazy, fake)
            gen_loss = bce(pred_gen, torch.ones_like(pred_gen)) + 100 * l1(fake, clear)
            optimizer_G.zero_grad()
            gen_loss.backward()
            optimizer_G.step()


torch.manual_seed(0)
generator, discriminator = PyramidGenerator(), Discriminator()
optimizer_G = torch.optim.Adam(generator.parameters(), lr=2e-4, betas=(0.5, 0.999))
optimizer_D = torch.optim.Adam(discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999))
loader = [(torch.rand(2, 3, 16, 16) * 2 - 1, torch.rand(2, 3, 16, 16) * 2 - 1) for _ in range(2)]
train(1, generator, discriminator, optimizer_G, optimizer_D, loader)
