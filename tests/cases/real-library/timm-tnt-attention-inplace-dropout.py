# case: timm-tnt-attention-inplace-dropout
# source: https://github.com/huggingface/pytorch-image-models/blob/main/timm/models/tnt.py
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# timm's TNT Attention (device/dtype arguments dropped), built with attn_drop > 0 and trained: softmax saved attn,
# the in-place dropout overwrites it.
import torch
import torch.nn as nn


class Attention(nn.Module):
    def __init__(self, dim, hidden_dim, num_heads=8, qkv_bias=False, attn_drop=0., proj_drop=0.):
        super().__init__()
        self.hidden_dim = hidden_dim
        self.num_heads = num_heads
        head_dim = hidden_dim // num_heads
        self.head_dim = head_dim
        self.scale = head_dim ** -0.5

        self.qk = nn.Linear(dim, hidden_dim * 2, bias=qkv_bias)
        self.v = nn.Linear(dim, dim, bias=qkv_bias)
        self.attn_drop = nn.Dropout(attn_drop, inplace=True)
        self.proj = nn.Linear(dim, dim)
        self.proj_drop = nn.Dropout(proj_drop, inplace=True)

    def forward(self, x):
        B, N, C = x.shape
        qk = self.qk(x).reshape(B, N, 2, self.num_heads, self.head_dim).permute(2, 0, 3, 1, 4)
        q, k = qk.unbind(0)
        v = self.v(x).reshape(B, N, self.num_heads, -1).permute(0, 2, 1, 3)

        attn = (q @ k.transpose(-2, -1)) * self.scale
        attn = attn.softmax(dim=-1)
        attn = self.attn_drop(attn)  # error: IPL003

        x = (attn @ v).transpose(1, 2).reshape(B, N, -1)
        x = self.proj(x)
        x = self.proj_drop(x)
        return x


torch.manual_seed(0)
model = Attention(8, 8, num_heads=2, attn_drop=0.1)
model.train()
model(torch.randn(2, 5, 8, requires_grad=True)).sum().backward()
