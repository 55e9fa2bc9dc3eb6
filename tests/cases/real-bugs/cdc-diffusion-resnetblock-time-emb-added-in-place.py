# case: cdc-diffusion-resnetblock-time-emb-added-in-place
# source: https://github.com/buggyyang/CDC_compression/issues/1
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# CDC_compression (conditional diffusion compression), modules/network_components.py:
# ResnetBlock.forward computes `h = self.block1(x)` where Block is an nn.Sequential of
# Conv2d -> LayerNorm -> ReLU, then adds the time embedding with `h += self.mlp(time_emb)
# [:, :, None, None]`. The ReLU saved its output for backward, so the in-place add makes
# the denoiser's backward fail; the reporter's fix was `h = h + x` style out-of-place
# adds. Trimmed: one ResnetBlock inside a tiny denoising step (SinusoidalPosEmb + time
# MLP kept), random images, an MSE noise-prediction loss.
import math

import torch
import torch.nn as nn


def exists(x):
    return x is not None


class SinusoidalPosEmb(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        half_dim = self.dim // 2
        emb = math.log(10000) / (half_dim - 1)
        emb = torch.exp(torch.arange(half_dim, device=x.device) * -emb)
        emb = x[:, None] * emb[None, :]
        return torch.cat((emb.sin(), emb.cos()), dim=-1)


class LayerNorm(nn.Module):
    def __init__(self, dim, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.g = nn.Parameter(torch.ones(1, dim, 1, 1))
        self.b = nn.Parameter(torch.zeros(1, dim, 1, 1))

    def forward(self, x):
        var = torch.var(x, dim=1, unbiased=False, keepdim=True)
        mean = torch.mean(x, dim=1, keepdim=True)
        return (x - mean) / (var + self.eps).sqrt() * self.g + self.b


class Block(nn.Module):
    def __init__(self, dim, dim_out, large=False):
        super().__init__()
        self.block = nn.Sequential(
            nn.Conv2d(dim, dim_out, 7 if large else 3, padding=3 if large else 1), LayerNorm(dim_out), nn.ReLU()
        )

    def forward(self, x):
        return self.block(x)


class ResnetBlock(nn.Module):
    def __init__(self, dim, dim_out, time_emb_dim=None, large=False):
        super().__init__()
        self.mlp = (
            nn.Sequential(nn.LeakyReLU(0.2), nn.Linear(time_emb_dim, dim_out))
            if exists(time_emb_dim)
            else None
        )
        self.block1 = Block(dim, dim_out, large)
        self.block2 = Block(dim_out, dim_out)
        self.res_conv = nn.Conv2d(dim, dim_out, 1) if dim != dim_out else nn.Identity()

    def forward(self, x, time_emb=None):
        h = self.block1(x)

        if exists(time_emb):
            h += self.mlp(time_emb)[:, :, None, None]  # error: IPL003

        h = self.block2(h)
        return h + self.res_conv(x)


class TinyDenoiser(nn.Module):
    def __init__(self, channels=3, dim=8):
        super().__init__()
        self.time_mlp = nn.Sequential(SinusoidalPosEmb(dim), nn.Linear(dim, dim * 4), nn.GELU(), nn.Linear(dim * 4, dim))
        self.res = ResnetBlock(channels, dim, time_emb_dim=dim)
        self.out = nn.Conv2d(dim, channels, 1)

    def forward(self, x, t):
        return self.out(self.res(x, self.time_mlp(t)))


torch.manual_seed(0)
model = TinyDenoiser()
x0 = torch.randn(2, 3, 8, 8)
t = torch.randint(0, 1000, (2,)).float()
noise = torch.randn_like(x0)
x_t = x0 * 0.9 + noise * 0.1
loss = (model(x_t, t) - noise).pow(2).mean()
loss.backward()
