# case: vit-pytorch-pope-learned-bias-uniform-init-on-parameter
# source: https://github.com/lucidrains/vit-pytorch/blob/main/vit_pytorch/vit_nd_pope.py
# expect: markers
# torch: raises "a leaf Variable that requires grad is being used in an in-place operation"

# vit-pytorch 1.26.14's PoPE (vit_nd_pope.py): `self.learned_bias = nn.Parameter(torch.zeros(heads, dim_head))`
# then, with `init_learned_bias_uniform=True` (the ViT's `pope_init_learned_bias_uniform=True`),
# `self.learned_bias.uniform_(-2. * pi, 0.)` outside `torch.no_grad()`: building the model raises. The same bug as
# x-transformers' polar embedding (real-library/x-transformers-polar-embedding-uniform-init-on-parameter.py).
# Reduced: the constructor's parameter part; the frequencies left out.
from math import pi

import torch
from torch import nn


class PoPE(nn.Module):
    def __init__(self, dim_head, heads, init_learned_bias_uniform=False):
        super().__init__()
        self.learned_bias = nn.Parameter(torch.zeros(heads, dim_head))
        if init_learned_bias_uniform:
            self.learned_bias.uniform_(-2. * pi, 0.)  # error: IPL001

    def forward(self, pos):
        bias = self.learned_bias.clamp(-2. * pi, 0.)
        return pos[..., None, None] + bias


pope = PoPE(dim_head=4, heads=2, init_learned_bias_uniform=True)
