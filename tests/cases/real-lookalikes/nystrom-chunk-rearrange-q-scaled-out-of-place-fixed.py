# case: nystrom-chunk-rearrange-q-scaled-out-of-place-fixed
# source: https://github.com/lucidrains/nystrom-attention/issues/13
# expect: clean
# torch: clean
# check: layer.attn.to_qkv.weight.grad is not None and torch.isfinite(layer.attn.to_qkv.weight.grad).all().item()

# Look-alike of nystrom-chunk-rearrange-q-scaled-in-place: the fix released in
# nystrom-attention (and the TransMIL workaround) writes `q = q * self.scale`, an
# out-of-place multiply, so the chunk views are never modified. Same trimmed module.
from math import ceil

import torch
from torch import nn, einsum
import torch.nn.functional as F


def exists(val):
    return val is not None


def rearrange(t, pattern, h):
    # stand-in for einops.rearrange(t, 'b n (h d) -> b h n d', h=h)
    assert pattern == 'b n (h d) -> b h n d'
    b, n, hd = t.shape
    return t.reshape(b, n, h, hd // h).permute(0, 2, 1, 3)


class NystromAttention(nn.Module):
    def __init__(self, dim, dim_head=8, heads=2, num_landmarks=4, eps=1e-8, dropout=0.):
        super().__init__()
        self.eps = eps
        inner_dim = heads * dim_head
        self.num_landmarks = num_landmarks
        self.heads = heads
        self.scale = dim_head ** -0.5
        self.to_qkv = nn.Linear(dim, inner_dim * 3, bias=False)
        self.to_out = nn.Sequential(nn.Linear(inner_dim, dim), nn.Dropout(dropout))

    def forward(self, x, mask=None):
        b, n, _, h, m, eps = *x.shape, self.heads, self.num_landmarks, self.eps

        remainder = n % m
        if remainder > 0:
            padding = m - (n % m)
            x = F.pad(x, (0, 0, padding, 0), value=0)
            if exists(mask):
                mask = F.pad(mask, (padding, 0), value=False)

        q, k, v = self.to_qkv(x).chunk(3, dim=-1)
        q, k, v = map(lambda t: rearrange(t, 'b n (h d) -> b h n d', h=h), (q, k, v))

        if exists(mask):
            mask = mask[:, None, :]
            q, k, v = map(lambda t: t * mask[..., None], (q, k, v))

        q = q * self.scale

        l = ceil(n / m)
        q_landmarks = q.reshape(b, h, -1, l, q.shape[-1]).sum(dim=-2) / l
        k_landmarks = k.reshape(b, h, -1, l, k.shape[-1]).sum(dim=-2) / l

        sim1 = einsum('... i d, ... j d -> ... i j', q, k_landmarks)
        sim2 = einsum('... i d, ... j d -> ... i j', q_landmarks, k_landmarks)
        sim3 = einsum('... i d, ... j d -> ... i j', q_landmarks, k)
        attn1, attn2, attn3 = map(lambda t: t.softmax(dim=-1), (sim1, sim2, sim3))
        out = (attn1 @ torch.linalg.pinv(attn2)) @ (attn3 @ v)

        out = out.permute(0, 2, 1, 3).reshape(b, -1, h * out.shape[-1])
        out = self.to_out(out)
        return out[:, -n:]


class TransLayer(nn.Module):
    def __init__(self, norm_layer=nn.LayerNorm, dim=16):
        super().__init__()
        self.norm = norm_layer(dim)
        self.attn = NystromAttention(dim=dim, dim_head=dim // 2, heads=2, num_landmarks=4)

    def forward(self, x):
        x = x + self.attn(self.norm(x))
        return x


torch.manual_seed(0)
layer = TransLayer(dim=16)
x = torch.randn(2, 8, 16)
out = layer(x)
out.sum().backward()
