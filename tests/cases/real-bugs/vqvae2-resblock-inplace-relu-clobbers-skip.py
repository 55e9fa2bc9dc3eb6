# case: vqvae2-resblock-inplace-relu-clobbers-skip
# source: https://github.com/rosinality/vq-vae-2-pytorch/issues/60
# expect: markers
# torch: clean
# check: not torch.allclose(out, reference)

# vqvae.py's ResBlock before the fix: the stack starts with an in-place ReLU, so `out += input` adds relu(input)
# instead of the pre-activation input. No error: the reference is the same block with the first ReLU out of place.
import torch
from torch import nn


class ResBlock(nn.Module):
    def __init__(self, in_channel, channel):
        super().__init__()

        self.conv = nn.Sequential(
            nn.ReLU(inplace=True),
            nn.Conv2d(in_channel, channel, 3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(channel, in_channel, 1),
        )

    def forward(self, input):
        out = self.conv(input)  # error: IPL008
        out += input

        return out


torch.manual_seed(0)
block = ResBlock(2, 3)
encoder = nn.Conv2d(1, 2, 1)
x = torch.randn(1, 1, 4, 4)
out = block(encoder(x))
block.conv[0].inplace = False
reference = block(encoder(x))
