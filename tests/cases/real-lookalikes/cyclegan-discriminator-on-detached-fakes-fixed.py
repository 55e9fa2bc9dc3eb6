# case: cyclegan-discriminator-on-detached-fakes-fixed
# source: https://github.com/cy-xu/simple_CycleGAN/issues/3
# expect: clean
# torch: clean
# check: all(p.grad is not None for p in netD_y.parameters()) and all(torch.isfinite(p).all() for p in netD_x.parameters())

# Look-alike of cyclegan-generator-step-before-discriminator-backward: the same loop with
# the usual CycleGAN fix (junyanz's backward_D_basic): the discriminators see
# `fake_y.detach()` / `fake_x.detach()`, so `loss_D_*.backward()` stops at the fakes and
# never reaches the generator weights that `optimizer_g.step()` updated in place.
import itertools

import torch
import torch as t
import torch.nn as nn


class ResnetBlock(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.conv_block = nn.Sequential(nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3),
                                        nn.InstanceNorm2d(dim), nn.ReLU(True),
                                        nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3),
                                        nn.InstanceNorm2d(dim))

    def forward(self, x):
        return x + self.conv_block(x)


class ResnetGenerator(nn.Module):
    def __init__(self, opt):
        super().__init__()
        ngf = opt.ngf
        model = [nn.ReflectionPad2d(3), nn.Conv2d(opt.input_nc, ngf, 7),
                 nn.InstanceNorm2d(ngf), nn.ReLU(True)]
        for _ in range(opt.n_blocks):
            model += [ResnetBlock(ngf)]
        model += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, opt.output_nc, 7), nn.Tanh()]
        self.model = nn.Sequential(*model)

    def forward(self, input):
        return self.model(input)


class NLayerDiscriminator(nn.Module):
    def __init__(self, opt):
        super().__init__()
        ndf = opt.ndf
        self.model = nn.Sequential(nn.Conv2d(opt.input_nc, ndf, 4, 2, 1), nn.LeakyReLU(0.2, True),
                                   nn.Conv2d(ndf, ndf * 2, 4, 2, 1), nn.InstanceNorm2d(ndf * 2),
                                   nn.LeakyReLU(0.2, True), nn.Conv2d(ndf * 2, 1, 3, 1, 1))

    def forward(self, input):
        return self.model(input)


class GANLoss(nn.Module):
    def __init__(self, gan_mode='lsgan'):
        super().__init__()
        self.loss = nn.MSELoss()

    def __call__(self, prediction, target_is_real):
        target = t.ones_like(prediction) if target_is_real else t.zeros_like(prediction)
        return self.loss(prediction, target)


class Config(object):
    def __init__(self):
        self.input_nc = 3
        self.output_nc = 3
        self.n_blocks = 1
        self.ngf = 4
        self.ndf = 4
        self.beta1 = 0.5
        self.g_lr = 2e-4
        self.d_lr = 2e-4


def train():
    opt = Config()
    netG_x, netG_y = ResnetGenerator(opt), ResnetGenerator(opt)
    netD_x, netD_y = NLayerDiscriminator(opt), NLayerDiscriminator(opt)
    optimizer_g = t.optim.Adam(itertools.chain(netG_x.parameters(), netG_y.parameters()),
                               lr=opt.g_lr, betas=(opt.beta1, 0.999))
    optimizer_d = t.optim.Adam(itertools.chain(netD_x.parameters(), netD_y.parameters()),
                               lr=opt.d_lr, betas=(opt.beta1, 0.999))
    criterionGAN = GANLoss(gan_mode='lsgan')
    criterionCycle = nn.L1Loss()
    lambda_X = lambda_Y = 10.0

    dataset = [{'A': t.randn(1, 3, 16, 16), 'B': t.randn(1, 3, 16, 16)}]
    for i, data in enumerate(dataset):
        real_x, real_y = data['A'], data['B']

        # X -> Y' -> X^ cycle
        optimizer_g.zero_grad()
        fake_y = netG_x(real_x)
        loss_G_X = criterionGAN(netD_x(fake_y), True)
        x_hat = netG_y(fake_y)
        loss_cycle_X = criterionCycle(x_hat, real_x) * lambda_X
        loss_X = loss_G_X + loss_cycle_X
        loss_X.backward(retain_graph=True)
        optimizer_g.step()

        # Y -> X' -> Y^ cycle
        optimizer_g.zero_grad()
        fake_x = netG_y(real_y)
        loss_G_Y = criterionGAN(netD_y(fake_x), True)
        y_hat = netG_x(fake_x)
        loss_cycle_Y = criterionCycle(y_hat, real_y) * lambda_Y
        loss_Y = loss_G_Y + loss_cycle_Y
        loss_Y.backward(retain_graph=True)
        optimizer_g.step()

        # netD_x
        optimizer_d.zero_grad()
        pred_real = netD_x(real_y)
        loss_D_x_real = criterionGAN(pred_real, True)
        pred_fake = netD_x(fake_y.detach())
        loss_D_x_fake = criterionGAN(pred_fake, False)
        loss_D_x = (loss_D_x_real + loss_D_x_fake) * 0.5
        loss_D_x.backward()
        optimizer_d.step()

        # netD_y
        optimizer_d.zero_grad()
        pred_real = netD_y(real_x)
        loss_D_y_real = criterionGAN(pred_real, True)
        pred_fake = netD_y(fake_x.detach())
        loss_D_y_fake = criterionGAN(pred_fake, False)
        loss_D_y = (loss_D_y_real + loss_D_y_fake) * 0.5
        loss_D_y.backward()
        optimizer_d.step()
    return netD_x, netD_y


t.manual_seed(0)
netD_x, netD_y = train()
