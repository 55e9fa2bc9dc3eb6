# case: vqvae2-resblock-out-of-place-first-relu
# source: https://github.com/rosinality/vq-vae-2-pytorch/issues/60
# expect: clean
# torch: clean
# check: torch.allclose(out, encoded + block.conv(encoded))

# The ResBlock after the fix (ef5f67c): the first ReLU is out of place, so the skip connection adds the
# pre-activation input; the in-place ReLU in the middle writes a conv output nobody else reads.
import torch
from torch import nn


class ResBlock(nn.Module):
    def __init__(self, in_channel, channel):
        super().__init__()

        self.conv = nn.Sequential(
            nn.ReLU(),
            nn.Conv2d(in_channel, channel, 3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(channel, in_channel, 1),
        )

    def forward(self, input):
        out = self.conv(input)
        out += input

        return out


torch.manual_seed(0)
block = ResBlock(2, 3)
encoder = nn.Conv2d(1, 2, 1)
x = torch.randn(1, 1, 4, 4)
out = block(encoder(x))
with torch.no_grad():
    encoded = encoder(x)
