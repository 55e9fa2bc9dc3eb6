# case: transformer-pre-norm-block
# expect: clean
# torch: clean
# check: out.shape == (2, 3, 4) and x.grad is not None and all(p.grad is not None for p in block.parameters())

import torch
from torch import nn


class Block(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 2 * dim), nn.GELU(), nn.Linear(2 * dim, dim))

    def forward(self, x):
        h = self.norm1(x)
        x = x + self.attn(h, h, h, need_weights=False)[0]
        x = x + self.mlp(self.norm2(x))
        return x


torch.manual_seed(0)
block = Block(4, 2)
x = torch.randn(2, 3, 4, requires_grad=True)
out = block(x)
out.sum().backward()
