# case: loop-over-constructor-tuple-of-channels-writes-saved-slice
# source: https://github.com/facebookresearch/fairseq/issues/251
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# The channels to gate are a tuple given to the constructor (`channels=(0, 2, 4)`, stored in `self.channels`); the
# forward loops over them and writes each gated channel back into the slice the product saved.
import torch
import torch.nn as nn


class ChannelGate(nn.Module):
    def __init__(self, d=6, channels=(0, 2, 4)):
        super().__init__()
        self.gate = nn.Parameter(torch.rand(d))
        self.channels = channels

    def forward(self, x):
        for j in self.channels:
            x[:, :, j] = x[:, :, j] * self.gate[j]  # error: IPL003
        return x


fc = nn.Linear(6, 6)
ChannelGate()(fc(torch.randn(2, 5, 6))).sum().backward()
