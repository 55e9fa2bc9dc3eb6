# case: esrgan-relativistic-d-loss-ddp-buffer-broadcast
# source: https://github.com/XPixelGroup/BasicSR/pull/278
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"
# known-miss: the DDP stand-in copies rank-0 buffers into the discriminator's `named_buffers()` under no_grad before each forward, and BatchNorm saves its running statistics for backward; the analysis does not tie the buffers a `named_buffers()` loop yields to the BatchNorm layers that saved them

# BasicSR's ESRGANModel runs the VGG-style discriminator (with BatchNorm) on the real and the fake image and
# backpropagates one relativistic loss over both graphs. Under DistributedDataParallel every forward first
# broadcasts the buffers in place, so the second forward overwrites the running stats the first BN call saved.
# The DDP wrapper is reduced to a module that copies rank-0 buffers into the net's buffers under no_grad.
import torch
import torch.nn as nn


class VGGStyleDiscriminator(nn.Module):
    def __init__(self, num_in_ch=3, num_feat=8):
        super().__init__()
        self.conv0_0 = nn.Conv2d(num_in_ch, num_feat, 3, 1, 1, bias=True)
        self.conv0_1 = nn.Conv2d(num_feat, num_feat, 4, 2, 1, bias=False)
        self.bn0_1 = nn.BatchNorm2d(num_feat, affine=True)
        self.conv1_0 = nn.Conv2d(num_feat, num_feat * 2, 3, 1, 1, bias=False)
        self.bn1_0 = nn.BatchNorm2d(num_feat * 2, affine=True)
        self.linear1 = nn.Linear(num_feat * 2 * 8 * 8, 16)
        self.linear2 = nn.Linear(16, 1)
        self.lrelu = nn.LeakyReLU(negative_slope=0.2, inplace=True)

    def forward(self, x):
        feat = self.lrelu(self.conv0_0(x))
        feat = self.lrelu(self.bn0_1(self.conv0_1(feat)))
        feat = self.lrelu(self.bn1_0(self.conv1_0(feat)))
        feat = feat.view(feat.size(0), -1)
        feat = self.lrelu(self.linear1(feat))
        return self.linear2(feat)


class BroadcastBuffersDDP(nn.Module):
    """What DistributedDataParallel(broadcast_buffers=True) does before each forward."""

    def __init__(self, module):
        super().__init__()
        self.module = module
        self.rank0_buffers = {n: b.clone() for n, b in module.named_buffers()}

    def forward(self, *inputs):
        with torch.no_grad():
            for name, buf in self.module.named_buffers():
                buf.copy_(self.rank0_buffers[name])  # error: IPL003
        return self.module(*inputs)


class GANLoss(nn.Module):
    def __init__(self):
        super().__init__()
        self.loss = nn.BCEWithLogitsLoss()

    def forward(self, input, target_is_real, is_disc=False):
        target = torch.ones_like(input) if target_is_real else torch.zeros_like(input)
        return self.loss(input, target)


class ESRGANModel:
    def __init__(self):
        self.net_g = nn.Sequential(nn.Conv2d(3, 8, 3, 1, 1), nn.LeakyReLU(0.2), nn.Conv2d(8, 3, 3, 1, 1))
        self.net_d = BroadcastBuffersDDP(VGGStyleDiscriminator())
        self.cri_gan = GANLoss()
        self.optimizer_d = torch.optim.Adam(self.net_d.parameters(), lr=1e-4)

    def feed_data(self, lq, gt):
        self.lq, self.gt = lq, gt

    def optimize_parameters(self):
        self.output = self.net_g(self.lq)
        for p in self.net_d.parameters():
            p.requires_grad = True
        self.optimizer_d.zero_grad()
        # gan loss (relativistic gan)
        real_d_pred = self.net_d(self.gt)
        fake_d_pred = self.net_d(self.output.detach())
        l_d_real = self.cri_gan(real_d_pred - torch.mean(fake_d_pred), True, is_disc=True)
        l_d_fake = self.cri_gan(fake_d_pred - torch.mean(real_d_pred), False, is_disc=True)
        l_d_total = (l_d_real + l_d_fake) / 2
        l_d_total.backward()
        self.optimizer_d.step()


torch.manual_seed(0)
model = ESRGANModel()
model.feed_data(torch.randn(2, 3, 16, 16), torch.randn(2, 3, 16, 16))
model.optimize_parameters()
