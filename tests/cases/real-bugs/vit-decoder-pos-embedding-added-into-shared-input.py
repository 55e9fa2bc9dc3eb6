# case: vit-decoder-pos-embedding-added-into-shared-input
# source: https://github.com/thuanz123/enhancing-transformers/issues/11
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# ViTDecoder.forward (enhancing/modules/stage1/layers.py) adds the positional embedding into its argument in
# place. The use: two decoders read the same `quant`. The first decoder's transformer saved `quant`
# (its first op is a LayerNorm); the second call's `token += ...` overwrites it. Transformer reduced to a
# LayerNorm and a Linear, to_pixel to a Linear; `quant` is an encoder output. The first call is also IPL008's
# silent bug: decoder_b reads `quant + decoder_a.de_pos_embedding`, not the encoder output.
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
        token += self.de_pos_embedding  # error: IPL003
        x = self.transformer(token)

        return self.to_pixel(x)


encoder = nn.Linear(6, 8)
decoder_a = ViTDecoder(4, 8, 3)
decoder_b = ViTDecoder(4, 8, 5)
quant = encoder(torch.randn(2, 4, 6))
rec_a = decoder_a(quant)  # error: IPL008
rec_b = decoder_b(quant)
(rec_a.sum() + rec_b.sum()).backward()
