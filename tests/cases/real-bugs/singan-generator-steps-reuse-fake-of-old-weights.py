# case: singan-generator-steps-reuse-fake-of-old-weights
# source: https://github.com/tamarott/SinGAN/issues/148
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# training.py's train_single_scale: the G loop backpropagates errG through `fake`, made once by netG at the end of
# the D loop; after optimizerG.step() changed netG's weights in place, the next G step backpropagates through the
# same `fake` and its saved (old) weights (fails since torch 1.5, as the issue explains). Networks reduced to one
# ConvBlock each; no pyramid of scales, no gradient penalty, no logging.
import torch
import torch.nn as nn


class ConvBlock(nn.Sequential):
    def __init__(self, in_channel, out_channel, ker_size, padd, stride):
        super(ConvBlock, self).__init__()
        self.add_module('conv', nn.Conv2d(in_channel, out_channel, kernel_size=ker_size, stride=stride, padding=padd))
        self.add_module('norm', nn.BatchNorm2d(out_channel))
        self.add_module('LeakyRelu', nn.LeakyReLU(0.2, inplace=True))


class WDiscriminator(nn.Module):
    def __init__(self, nc, nfc):
        super(WDiscriminator, self).__init__()
        self.head = ConvBlock(nc, nfc, 3, 1, 1)
        self.tail = nn.Conv2d(nfc, 1, kernel_size=3, stride=1, padding=1)

    def forward(self, x):
        x = self.head(x)
        x = self.tail(x)
        return x


class GeneratorConcatSkip2CleanAdd(nn.Module):
    def __init__(self, nc, nfc):
        super(GeneratorConcatSkip2CleanAdd, self).__init__()
        self.head = ConvBlock(nc, nfc, 3, 1, 1)
        self.tail = nn.Sequential(nn.Conv2d(nfc, nc, kernel_size=3, stride=1, padding=1), nn.Tanh())

    def forward(self, x, y):
        x = self.head(x)
        x = self.tail(x)
        return x + y


def train_single_scale(netD, netG, real, niter=2, Dsteps=3, Gsteps=3, alpha=10, noise_amp=0.1):
    optimizerD = torch.optim.Adam(netD.parameters(), lr=0.0005, betas=(0.5, 0.999))
    optimizerG = torch.optim.Adam(netG.parameters(), lr=0.0005, betas=(0.5, 0.999))
    z_opt = torch.randn_like(real)
    prev = torch.zeros_like(real)
    z_prev = torch.zeros_like(real)

    for epoch in range(niter):
        noise_ = torch.randn_like(real)

        ############################
        # (1) Update D network: maximize D(x) + D(G(z))
        ###########################
        for j in range(Dsteps):
            # train with real
            netD.zero_grad()

            output = netD(real)
            errD_real = -output.mean()
            errD_real.backward(retain_graph=True)

            # train with fake
            noise = noise_amp * noise_ + prev
            fake = netG(noise.detach(), prev)
            output = netD(fake.detach())
            errD_fake = output.mean()
            errD_fake.backward(retain_graph=True)

            optimizerD.step()

        ############################
        # (2) Update G network: maximize D(G(z))
        ###########################
        for j in range(Gsteps):
            netG.zero_grad()
            output = netD(fake)
            errG = -output.mean()
            errG.backward(retain_graph=True)
            if alpha != 0:
                loss = nn.MSELoss()
                Z_opt = noise_amp * z_opt + z_prev
                rec_loss = alpha * loss(netG(Z_opt.detach(), z_prev), real)
                rec_loss.backward(retain_graph=True)
            optimizerG.step()  # error: IPL003


torch.manual_seed(0)
real = torch.rand(1, 3, 8, 8)
train_single_scale(WDiscriminator(3, 4), GeneratorConcatSkip2CleanAdd(3, 4), real)
