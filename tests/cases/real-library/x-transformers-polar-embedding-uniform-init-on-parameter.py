# case: x-transformers-polar-embedding-uniform-init-on-parameter
# source: https://github.com/lucidrains/x-transformers/blob/main/x_transformers/x_transformers.py
# expect: markers
# torch: raises "a leaf Variable that requires grad is being used in an in-place operation"

# x-transformers' PolarEmbedding (as in the library; the forward left out). With `bias_uniform_init=True` (what
# `AttentionLayers(..., polar_pos_emb=True, polar_bias_uniform_init=True)` passes) the constructor initialises the
# new Parameter with `uniform_` while grad mode is on: torch raises while the model is built (checked with the
# library itself: `Encoder(dim=16, depth=1, heads=2, polar_pos_emb=True, polar_bias_uniform_init=True)`).
import math

import torch
from torch import nn
from torch.nn import Module


class PolarEmbedding(Module):
    """ https://arxiv.org/abs/2509.10534 """

    def __init__(self, dim, heads, bias_uniform_init=False, base=10000):
        super().__init__()
        inv_freq = 1. / (base ** (torch.arange(0, dim).float() / dim))
        self.register_buffer('inv_freq', inv_freq)

        self.learned_bias = nn.Parameter(torch.zeros(heads, 1, dim))

        if bias_uniform_init:
            self.learned_bias.uniform_(-2. * math.pi, 0.)  # error: IPL001


emb = PolarEmbedding(8, 2, bias_uniform_init=True)
