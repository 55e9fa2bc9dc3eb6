# case: srgan-discriminator-step-before-generator-loss-backward
# source: https://github.com/leftthomas/SRGAN/issues/79
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# train.py's loop: fake_out ran through netD, optimizerD.step() updates netD's weights in place, and
# g_loss = generator_criterion(fake_out, ...) is backpropagated afterwards through the weights netD saved (fails
# since torch 1.5). Generator and Discriminator reduced to a few layers, the VGG perception and TV terms of
# GeneratorLoss left out; two random batches stand in for the data loader.
import torch
import torch.nn as nn


class Generator(nn.Module):
    def __init__(self):
        super(Generator, self).__init__()
        self.block1 = nn.Sequential(nn.Conv2d(3, 4, kernel_size=3, padding=1), nn.PReLU())
        self.block2 = nn.Conv2d(4, 3, kernel_size=3, padding=1)

    def forward(self, x):
        block2 = self.block2(self.block1(x))
        return (torch.tanh(block2) + 1) / 2


class Discriminator(nn.Module):
    def __init__(self):
        super(Discriminator, self).__init__()
        self.net = nn.Sequential(
            nn.Conv2d(3, 4, kernel_size=3, padding=1),
            nn.LeakyReLU(0.2),
            nn.Conv2d(4, 8, kernel_size=3, padding=1),
            nn.BatchNorm2d(8),
            nn.LeakyReLU(0.2),
            nn.AdaptiveAvgPool2d(1),
            nn.Conv2d(8, 1, kernel_size=1),
        )

    def forward(self, x):
        batch_size = x.size(0)
        return torch.sigmoid(self.net(x).view(batch_size))


class GeneratorLoss(nn.Module):
    def __init__(self):
        super(GeneratorLoss, self).__init__()
        self.mse_loss = nn.MSELoss()

    def forward(self, out_labels, out_images, target_images):
        adversarial_loss = torch.mean(1 - out_labels)
        image_loss = self.mse_loss(out_images, target_images)
        return image_loss + 0.001 * adversarial_loss


torch.manual_seed(0)
netG = Generator()
netD = Discriminator()
generator_criterion = GeneratorLoss()
optimizerG = torch.optim.Adam(netG.parameters())
optimizerD = torch.optim.Adam(netD.parameters())
train_loader = [(torch.rand(2, 3, 6, 6), torch.rand(2, 3, 6, 6)) for _ in range(2)]

netG.train()
netD.train()
for data, target in train_loader:
    ############################
    # (1) Update D network: maximize D(x)-1-D(G(z))
    ###########################
    real_img = target
    z = data
    fake_img = netG(z)

    netD.zero_grad()
    real_out = netD(real_img).mean()
    fake_out = netD(fake_img).mean()
    d_loss = 1 - real_out + fake_out
    d_loss.backward(retain_graph=True)
    optimizerD.step()  # error: IPL003

    ############################
    # (2) Update G network: minimize 1-D(G(z)) + Perception Loss + Image Loss + TV Loss
    ###########################
    netG.zero_grad()
    g_loss = generator_criterion(fake_out, fake_img, real_img)
    g_loss.backward()

    fake_img = netG(z)
    fake_out = netD(fake_img).mean()

    optimizerG.step()
