# case: flash-attn-rotary-cache-built-under-inference-mode
# source: https://github.com/Dao-AILab/flash-attention/pull/299
# expect: markers
# torch: raises "Inference tensors cannot be saved for backward"

# flash_attn/layers/rotary.py before the PR ("rotary: update cos/sin cache when switching from inference mode"):
# RotaryEmbedding._update_cos_sin_cache rebuilds self._cos_cached / self._sin_cached only when the sequence length,
# device or dtype changes, so after an evaluation under torch.inference_mode() the cached tables are inference
# tensors; the next training forward passes them to ApplyRotaryEmbQKV_, which saves them with ctx.save_for_backward
# (the PR's traceback: "Inference tensors cannot be saved for backward" from mha.py's self.rotary_emb(qkv)). The
# module and the autograd.Function are kept; the rotation is written with torch ops instead of the Triton kernel
# (out of place, so the Function does not modify its input), the attention is a plain softmax attention.
import math

import torch
import torch.nn as nn


def rotate_half(x):
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat((-x2, x1), dim=-1)


def apply_rotary(x, cos, sin, conjugate=False):
    # x: (batch, seqlen, nheads, headdim); cos, sin: (seqlen_cached, headdim / 2)
    seqlen = x.shape[1]
    cos = torch.cat((cos[:seqlen], cos[:seqlen]), dim=-1)[:, None, :]
    sin = torch.cat((sin[:seqlen], sin[:seqlen]), dim=-1)[:, None, :]
    if conjugate:
        sin = -sin
    return x * cos + rotate_half(x) * sin


class ApplyRotaryEmbQKV_(torch.autograd.Function):
    @staticmethod
    def forward(ctx, qkv, cos, sin):
        q, k, v = qkv.unbind(dim=2)
        qkv = torch.stack((apply_rotary(q, cos, sin), apply_rotary(k, cos, sin), v), dim=2)
        ctx.save_for_backward(cos, sin)
        return qkv

    @staticmethod
    def backward(ctx, dqkv):
        cos, sin = ctx.saved_tensors
        dq, dk, dv = dqkv.unbind(dim=2)
        dqkv = torch.stack((apply_rotary(dq, cos, sin, conjugate=True),
                            apply_rotary(dk, cos, sin, conjugate=True), dv), dim=2)
        return dqkv, None, None


apply_rotary_emb_qkv_ = ApplyRotaryEmbQKV_.apply


class RotaryEmbedding(torch.nn.Module):
    def __init__(self, dim: int, base=10000.0, device=None):
        super().__init__()
        self.dim = dim
        self.base = float(base)
        inv_freq = 1.0 / (self.base ** (torch.arange(0, dim, 2, device=device, dtype=torch.float32) / dim))
        self.register_buffer("inv_freq", inv_freq, persistent=False)
        self._seq_len_cached = 0
        self._cos_cached = None
        self._sin_cached = None

    def _update_cos_sin_cache(self, seqlen, device=None, dtype=None):
        # Reset the tables if the sequence length has changed,
        # or if we're on a new device (possibly due to tracing for instance)
        if (seqlen > self._seq_len_cached or self._cos_cached.device != device
                or self._cos_cached.dtype != dtype):
            self._seq_len_cached = seqlen
            t = torch.arange(seqlen, device=device, dtype=torch.float32)
            freqs = torch.outer(t, self.inv_freq)
            self._cos_cached = torch.cos(freqs).to(dtype)
            self._sin_cached = torch.sin(freqs).to(dtype)

    def forward(self, qkv, seqlen_offset: int = 0):
        self._update_cos_sin_cache(qkv.shape[1] + seqlen_offset, device=qkv.device, dtype=qkv.dtype)
        return apply_rotary_emb_qkv_(qkv, self._cos_cached, self._sin_cached)  # warning: IPL011


class MHA(nn.Module):
    def __init__(self, embed_dim, num_heads, rotary_emb_dim):
        super().__init__()
        self.num_heads = num_heads
        self.head_dim = embed_dim // num_heads
        self.Wqkv = nn.Linear(embed_dim, 3 * embed_dim)
        self.rotary_emb = RotaryEmbedding(rotary_emb_dim)
        self.out_proj = nn.Linear(embed_dim, embed_dim)

    def forward(self, x):
        batch, seqlen, _ = x.shape
        qkv = self.Wqkv(x).view(batch, seqlen, 3, self.num_heads, self.head_dim)
        qkv = self.rotary_emb(qkv)
        q, k, v = qkv.unbind(dim=2)
        scores = torch.einsum('bthd,bshd->bhts', q, k) / math.sqrt(self.head_dim)
        attn = torch.softmax(scores, dim=-1)
        out = torch.einsum('bhts,bshd->bthd', attn, v).reshape(batch, seqlen, -1)
        return self.out_proj(out)


torch.manual_seed(0)
model = MHA(embed_dim=16, num_heads=2, rotary_emb_dim=8)
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
x = torch.randn(2, 6, 16)

model.eval()
with torch.inference_mode():  # validation pass before training resumes
    val_loss = model(x).pow(2).mean()

model.train()
optimizer.zero_grad()
loss = model(x).pow(2).mean()
loss.backward()
optimizer.step()
