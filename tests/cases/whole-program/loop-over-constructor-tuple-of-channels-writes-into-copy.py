# case: loop-over-constructor-tuple-of-channels-writes-into-copy
# source: https://github.com/facebookresearch/fairseq/issues/251
# expect: clean
# torch: clean
# check: fc.weight.grad is not None

# The channels to gate are a tuple given to the constructor (`channels=(0, 2, 4)`, stored in `self.channels`); the
# forward writes each gated channel into a copy (`out = x.clone()`), reading the channels from `x`.
import torch
import torch.nn as nn


class ChannelGate(nn.Module):
    def __init__(self, d=6, channels=(0, 2, 4)):
        super().__init__()
        self.gate = nn.Parameter(torch.rand(d))
        self.channels = channels

    def forward(self, x):
        out = x.clone()
        for j in self.channels:
            out[:, :, j] = x[:, :, j] * self.gate[j]
        return out


fc = nn.Linear(6, 6)
ChannelGate()(fc(torch.randn(2, 5, 6))).sum().backward()
