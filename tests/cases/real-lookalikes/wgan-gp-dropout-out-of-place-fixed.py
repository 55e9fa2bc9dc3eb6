# case: wgan-gp-dropout-out-of-place-fixed
# source: https://github.com/Randl/improved-improved-wgan-pytorch/issues/1
# expect: clean
# torch: clean
# check: all(p.grad is not None and torch.isfinite(p.grad).all() for p in netD.parameters())

# The same reduced WGAN-GP critic (activation factory stored on the module, Sequential stages, gradient_penalty
# with autograd.grad(create_graph=True)), but the Dropout layers are built with the default inplace=False. The
# activation is still `activation(inplace=True)`, which is harmless here: the in-place LeakyReLU overwrites the
# Conv2d output (a convolution does not save its own output), and the LeakyReLU result it saves is no longer
# rescaled in place by the following Dropout, which now returns a new tensor. The penalty and the critic loss
# backprop through a double-backward graph without error.
from collections import OrderedDict

import torch
import torch.autograd as autograd
import torch.nn as nn


class WGANDiscriminator(nn.Module):
    def __init__(self, input_size=8, in_channels=3, num_filters=8, activation=nn.LeakyReLU, dropout_rate=0.5):
        super(WGANDiscriminator, self).__init__()
        self.activation = activation
        self.input_size = input_size
        self.dropout_rate = dropout_rate

        self.first_conv = nn.Sequential(nn.Conv2d(in_channels, num_filters, kernel_size=5, stride=2, padding=2),
                                        activation(inplace=True),
                                        nn.Dropout(p=dropout_rate))
        self.conv, last_filter = self._make_conv(num_filters)
        self.final_fc = nn.Linear(last_filter * 4 * 4, 1)

    def forward(self, x):
        x = self.first_conv(x)
        pre_last = self.conv(x)
        pre_last = pre_last.view(pre_last.shape[0], -1)
        x = self.final_fc(pre_last)
        return x, pre_last

    def _make_conv(self, num_filters):
        modules = OrderedDict()
        stage_name = "Conv"
        for i in range(int(torch.log2(torch.tensor(float(self.input_size)))) - 3):
            name = stage_name + "_{}".format(i + 1)
            module = nn.Sequential(
                nn.Conv2d(num_filters, num_filters * 2, kernel_size=5, stride=2, padding=2),
                self.activation(inplace=True),
                nn.Dropout(p=self.dropout_rate))
            num_filters *= 2
            modules[name] = module
        return nn.Sequential(modules), num_filters


def gradient_penalty(fake_data, real_data, discriminator):
    alpha = torch.rand(fake_data.shape[0], 1, 1, 1).expand(fake_data.shape)
    interpolates = alpha * fake_data + (1 - alpha) * real_data
    interpolates.requires_grad_(True)
    disc_interpolates, _ = discriminator(interpolates)

    gradients = autograd.grad(outputs=disc_interpolates, inputs=interpolates,
                              grad_outputs=torch.ones(disc_interpolates.size()),
                              create_graph=True, retain_graph=True, only_inputs=True)[0]
    gradients = gradients.view(gradients.size(0), -1)
    gradient_penalty = ((gradients.norm(2, dim=1) - 1) ** 2).mean()
    return gradient_penalty


torch.manual_seed(0)
netG = nn.Sequential(nn.Linear(16, 3 * 8 * 8), nn.Tanh())
netD = WGANDiscriminator()
optimizerD = torch.optim.Adam(netD.parameters(), lr=1e-4, betas=(0.5, 0.9))

real_inputs = torch.rand(4, 3, 8, 8) * 2 - 1
fake_inputs = netG(torch.randn(4, 16)).view(4, 3, 8, 8)
netD.zero_grad()
d_real, _ = netD(real_inputs)
d_fake, _ = netD(fake_inputs.detach())
errD = d_fake.mean() - d_real.mean() + 10 * gradient_penalty(fake_inputs.data, real_inputs.data, netD)
errD.backward()
optimizerD.step()
