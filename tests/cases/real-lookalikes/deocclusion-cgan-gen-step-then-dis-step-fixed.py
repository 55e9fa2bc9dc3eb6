# case: deocclusion-cgan-gen-step-then-dis-step-fixed
# source: https://github.com/XiaohangZhan/deocclusion/pull/39
# expect: clean
# torch: clean
# check: all(p.grad is not None and torch.isfinite(p.grad).all() for p in m.netD.parameters()) and all(p.grad is not None for p in m.model.parameters())

# The PR's fix: the generator's loss is backpropagated and stepped first; the discriminator's
# loss only reaches the generator's output through output.detach(), so the generator's step
# does not touch anything its graph saved.
import torch
import torch.nn as nn


class PartialCompletionContentCGAN(nn.Module):
    def __init__(self, params):
        super().__init__()
        self.params = params
        self.model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 3, 3, padding=1))
        self.optim = torch.optim.Adam(filter(lambda p: p.requires_grad, self.model.parameters()), lr=params['lr'])
        self.netD = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.LeakyReLU(0.2), nn.Conv2d(8, 1, 3, padding=1))
        self.optimD = torch.optim.Adam(self.netD.parameters(), lr=params['lr'] * params['d2g_lr'], betas=(0.0, 0.9))
        self.gan_criterion = nn.BCEWithLogitsLoss()
        self.world_size = 1

    def set_input(self, rgb, visible_mask, rgb_gt):
        self.rgb = rgb
        self.visible_mask3 = visible_mask.repeat(1, 3, 1, 1)
        self.rgb_gt = rgb_gt

    def step(self):
        output = self.model(self.rgb * self.visible_mask3)
        dis_input_real = self.rgb_gt
        dis_input_fake = output.detach()
        dis_real = self.netD(dis_input_real)
        dis_fake = self.netD(dis_input_fake)
        dis_real_loss = self.gan_criterion(dis_real, torch.ones_like(dis_real)) / self.world_size
        dis_fake_loss = self.gan_criterion(dis_fake, torch.zeros_like(dis_fake)) / self.world_size
        dis_loss = (dis_real_loss + dis_fake_loss) / 2

        gen_loss = 0
        gen_input_fake = output
        gen_fake = self.netD(gen_input_fake)
        gen_gan_loss = self.gan_criterion(gen_fake, torch.ones_like(gen_fake)) * self.params['adv_loss_weight'] / self.world_size
        gen_loss += gen_gan_loss
        gen_loss += (output - self.rgb_gt).abs().mean()

        self.optim.zero_grad()
        gen_loss.backward()
        self.optim.step()

        self.optimD.zero_grad()
        dis_loss.backward()
        self.optimD.step()
        return {'dis': dis_loss.item(), 'adv': gen_gan_loss.item()}


torch.manual_seed(0)
m = PartialCompletionContentCGAN({'lr': 1e-3, 'd2g_lr': 0.1, 'adv_loss_weight': 0.1})
m.set_input(torch.randn(2, 3, 8, 8), (torch.rand(2, 1, 8, 8) > 0.5).float(), torch.randn(2, 3, 8, 8))
loss_dict = m.step()
