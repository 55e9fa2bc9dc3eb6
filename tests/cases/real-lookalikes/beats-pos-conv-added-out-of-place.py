# case: beats-pos-conv-added-out-of-place
# source: https://github.com/microsoft/unilm/pull/999
# expect: clean
# torch: clean
# check: encoder.pos_conv[0].weight.grad is not None and torch.allclose(out, reference)

# extract_features as it is in beats/backbone.py today: `x = x + x_conv`, a new tensor, so the input the Conv1d
# saved keeps its version.
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
        x_conv = self.pos_conv(x.transpose(1, 2))
        x_conv = x_conv.transpose(1, 2)
        x = x + x_conv

        x = self.layer_norm(x)
        return x


torch.manual_seed(0)
encoder = TransformerEncoder(8)
features = nn.Linear(6, 8)(torch.randn(2, 5, 6))
out = encoder(features)
out.sum().backward()
with torch.no_grad():
    reference = encoder.layer_norm(features + encoder.pos_conv(features.transpose(1, 2)).transpose(1, 2))
