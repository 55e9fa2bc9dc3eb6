# case: vid-ode-generator-step-before-discriminator-step
# source: https://github.com/psh01087/Vid-ODE/issues/6
# expect: clean
# torch: clean
# check: g_moved and d_grads_ok

# The order the thread proposes ("Train G first, then train D", confirmed by another user): loss_netG, whose
# adversarial terms ran the discriminators on the prediction, is backpropagated and optimizer_netG stepped first;
# the discriminator loss, built on fake.detach() in netD_adv_loss, then only goes back through the discriminators,
# which no step has touched yet (the gradients the generator's backward left in them are zeroed first). The in-place
# `+=` on the loss scalars rewrite nothing saved. Same Discriminator, create_netD, stand-in generator and batch as the
# bug case vid-ode-netd-step-before-generator-adversarial-backward.
from types import SimpleNamespace

import torch
import torch.nn as nn
import torch.optim as optim


class ConvNormAct(nn.Module):

    def __init__(self, in_ch, out_ch, kernel_size, stride, padding, act_type='relu'):

        super(ConvNormAct, self).__init__()

        layers = []
        layers += [nn.Conv2d(in_ch, out_ch, kernel_size, stride, padding)]

        layers += [nn.InstanceNorm2d(out_ch)]

        if act_type == 'relu':
            layers += [nn.ReLU(inplace=True)]
        elif act_type == 'lrelu':
            layers += [nn.LeakyReLU(0.2)]

        self.main = nn.Sequential(*layers)

    def forward(self, x):
        return self.main(x)


class Discriminator(nn.Module):

    def __init__(self, in_ch, device, seq=False, is_extrap=True):

        super(Discriminator, self).__init__()

        self.device = device
        self.seq = seq
        self.is_extrap = is_extrap

        self.layer_1 = nn.Sequential(
            nn.Conv2d(in_ch, 64, kernel_size=4, stride=2, padding=1, bias=False),
            nn.LeakyReLU(0.2))
        self.layer_2 = ConvNormAct(64, 128, kernel_size=4, stride=2, padding=1, act_type='lrelu')
        self.layer_3 = ConvNormAct(128, 256, kernel_size=4, stride=2, padding=1, act_type='lrelu')
        self.layer_4 = ConvNormAct(256, 512, kernel_size=4, stride=1, padding=2, act_type='lrelu')
        self.last_conv = nn.Conv2d(512, 64, kernel_size=4, stride=1, padding=2, bias=False)

    def forward(self, x):
        h = self.layer_1(x)
        h = self.layer_2(h)
        h = self.layer_3(h)
        h = self.layer_4(h)
        return self.last_conv(h)

    def netD_adv_loss(self, real, fake, input_real):

        if self.seq:
            real, fake = self.rearrange_seq(real, fake, input_real, only_fake=False)
        elif not self.seq:
            b, t, c, h, w = fake.size()
            real = real.contiguous().view(-1, c, h, w)
            fake = fake.contiguous().view(-1, c, h, w)

        pred_fake = self.forward(fake.detach())
        pred_real = self.forward(real)

        # GAN loss type
        real_label = torch.ones_like(pred_real).to(self.device)
        loss_fake = torch.mean((pred_fake) ** 2)
        loss_real = torch.mean((pred_real - real_label) ** 2)
        loss_D = (loss_real + loss_fake) * 0.5

        return loss_D

    def netG_adv_loss(self, fake, input_real):
        b, t, c, h, w = fake.size()
        if self.seq:
            fake = self.rearrange_seq(None, fake, input_real, only_fake=True)
        elif not self.seq:
            fake = fake.contiguous().view(-1, c, h, w)

        pred_fake = self.forward(fake)

        # GAN loss type
        real_label = torch.ones_like(pred_fake).to(self.device)
        loss_real = torch.mean((pred_fake - real_label) ** 2)

        return loss_real

    def rearrange_seq(self, real, fake, input_real, only_fake=True):

        b, t, c, h, w = fake.size()
        fake_seqs = []
        for i in range(t):
            fake_seq = torch.cat([input_real[:, i:, ...], fake[:, :i+1, ...]], dim=1)
            fake_seqs += [fake_seq]
        fake_seqs = torch.cat(fake_seqs, dim=0).view(b * t, -1, h, w)

        if only_fake:
            return fake_seqs

        real_seqs = []
        for i in range(t):
            real_seq = torch.cat([input_real[:, i:, ...], real[:, :i+1, ...]], dim=1)
            real_seqs += [real_seq]
        real_seqs = torch.cat(real_seqs, dim=0).view(b * t, -1, h, w)

        return real_seqs, fake_seqs


def create_netD(opt, device):

    # Model
    seq_len = opt.sample_size // 2
    if opt.irregular and not opt.extrap:
        seq_len = opt.sample_size

    if opt.extrap:
        seq_len += 1

    netD_img = Discriminator(in_ch=3, device=device, seq=False, is_extrap=opt.extrap).to(device)
    netD_seq = Discriminator(in_ch=3 * (seq_len), device=device, seq=True, is_extrap=opt.extrap).to(device)

    # Optimizer
    optimizer_netD = optim.Adamax(list(netD_img.parameters()) + list(netD_seq.parameters()), lr=opt.lr)

    return netD_img, netD_seq, optimizer_netD


class VidODE(nn.Module):
    """Stand-in generator: predicts the next frames from the observed ones."""

    def __init__(self, opt, device):
        super().__init__()
        self.n_pred = opt.sample_size // 2
        self.net = nn.Sequential(nn.Conv2d(3 * self.n_pred, 16, 3, padding=1), nn.ReLU(),
                                 nn.Conv2d(16, 3 * self.n_pred, 3, padding=1), nn.Tanh())

    def compute_all_losses(self, batch_dict):
        observed = batch_dict["observed_data"]
        b, t, c, h, w = observed.size()
        pred_y = self.net(observed.reshape(b, t * c, h, w)).view(b, self.n_pred, c, h, w)
        loss = torch.mean((pred_y - batch_dict["data_to_predict"]) ** 2)
        return {"loss": loss, "pred_y": pred_y}


def train(opt, netG, batch_dict, device):
    # Optimizer
    optimizer_netG = optim.Adamax(netG.parameters(), lr=opt.lr)

    # Discriminator
    netD_img, netD_seq, optimizer_netD = create_netD(opt, device)

    res = netG.compute_all_losses(batch_dict)
    loss_netG = res["loss"]

    # Compute Adversarial Loss
    real = batch_dict["data_to_predict"]
    fake = res["pred_y"]
    input_real = batch_dict["observed_data"]

    loss_netD = opt.lamb_adv * netD_seq.netD_adv_loss(real, fake, input_real)
    loss_netD += opt.lamb_adv * netD_img.netD_adv_loss(real, fake, None)

    loss_adv_netG = opt.lamb_adv * netD_seq.netG_adv_loss(fake, input_real)
    loss_adv_netG += opt.lamb_adv * netD_img.netG_adv_loss(fake, None)
    loss_netG += loss_adv_netG

    # Train G
    optimizer_netG.zero_grad()
    loss_netG.backward()
    optimizer_netG.step()

    # Train D
    optimizer_netD.zero_grad()
    loss_netD.backward()
    optimizer_netD.step()
    return netD_img, netD_seq


torch.manual_seed(0)
device = torch.device("cpu")
opt = SimpleNamespace(lr=1e-3, sample_size=4, lamb_adv=0.003, irregular=False, extrap=True)
netG = VidODE(opt, device)
g_before = [p.detach().clone() for p in netG.parameters()]
batch_dict = {"observed_data": torch.rand(2, 2, 3, 16, 16) * 2 - 1,
              "data_to_predict": torch.rand(2, 2, 3, 16, 16) * 2 - 1}
netD_img, netD_seq = train(opt, netG, batch_dict, device)
g_moved = all(not torch.equal(p, b) for p, b in zip(netG.parameters(), g_before))
d_grads_ok = all(p.grad is not None and bool(torch.isfinite(p.grad).all())
                 for p in list(netD_img.parameters()) + list(netD_seq.parameters()))
