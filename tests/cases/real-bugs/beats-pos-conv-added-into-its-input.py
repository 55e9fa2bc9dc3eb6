# case: beats-pos-conv-added-into-its-input
# source: https://github.com/microsoft/unilm/pull/999
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# BEATs' TransformerEncoder.extract_features (beats/backbone.py) before the PR: the positional convolution reads
# `x.transpose(1, 2)`, a view of forward's argument, and the Conv1d saves that input for its weight gradient;
# `x += x_conv` then writes x in place. The PR replaced it with `x = x.clone() + x_conv`. Sizes reduced; SamePad
# dropped (odd kernel with symmetric padding); the transformer layers after it are one LayerNorm.
import torch
import torch.nn as nn


class TransformerEncoder(nn.Module):
    def __init__(self, embedding_dim, conv_pos=3, conv_pos_groups=2):
        super().__init__()
        self.embedding_dim = embedding_dim
        self.pos_conv = nn.Sequential(
            nn.Conv1d(embedding_dim, embedding_dim, kernel_size=conv_pos, padding=conv_pos // 2,
                      groups=conv_pos_groups),
            nn.GELU(),
        )
        self.layer_norm = nn.LayerNorm(embedding_dim)

    def forward(self, x, padding_mask=None):
        return self.extract_features(x, padding_mask)

    def extract_features(self, x, padding_mask=None):
        if padding_mask is not None:
            x[padding_mask] = 0

        x_conv = self.pos_conv(x.transpose(1, 2))
        x_conv = x_conv.transpose(1, 2)
        x += x_conv  # error: IPL003

        x = self.layer_norm(x)
        return x


encoder = TransformerEncoder(8)
features = nn.Linear(6, 8)(torch.randn(2, 5, 6))
encoder(features).sum().backward()
