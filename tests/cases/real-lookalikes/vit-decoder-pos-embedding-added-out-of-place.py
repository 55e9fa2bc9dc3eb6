# case: vit-decoder-pos-embedding-added-out-of-place
# source: https://github.com/thuanz123/enhancing-transformers/issues/11
# expect: clean
# torch: clean
# check: torch.allclose(rec_b, decoder_b.to_pixel(decoder_b.transformer(quant + decoder_b.de_pos_embedding)))

# The fix adopted in the issue: `token = token + self.de_pos_embedding`, so each decoder reads an untouched
# `quant` and what the first transformer saved stays as it was.
import torch
import torch.nn as nn


class ViTDecoder(nn.Module):
    def __init__(self, num_patches, dim, out_dim):
        super().__init__()
        self.num_patches = num_patches
        self.transformer = nn.Sequential(nn.LayerNorm(dim), nn.Linear(dim, dim))
        self.de_pos_embedding = nn.Parameter(torch.randn(1, self.num_patches, dim))
        self.to_pixel = nn.Linear(dim, out_dim)

    def forward(self, token: torch.FloatTensor) -> torch.FloatTensor:
        token = token + self.de_pos_embedding
        x = self.transformer(token)

        return self.to_pixel(x)


encoder = nn.Linear(6, 8)
decoder_a = ViTDecoder(4, 8, 3)
decoder_b = ViTDecoder(4, 8, 5)
quant = encoder(torch.randn(2, 4, 6))
rec_a = decoder_a(quant)
rec_b = decoder_b(quant)
(rec_a.sum() + rec_b.sum()).backward()
