# case: fpn-lateral-layers-appended-in-loop-then-top-down-add-out-of-place
# source: https://github.com/RangiLyu/nanodet/pull/493
# expect: clean
# torch: clean
# check: fpn.lateral_convs[0].conv.weight.grad is not None

# An FPN neck whose lateral layers (one class of ours, built alike) are appended to an `nn.ModuleList()` in a loop
# over `range(self.start_level, self.end_level)`, `self.end_level = len(in_channels)`; `forward` calls them through
# `self.lateral_convs[i]`. Each ends in a ReLU, which saved its output; the top-down merge adds out of place (the PR's fix).
import torch
import torch.nn as nn
import torch.nn.functional as F


class ConvAct(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 1)
        self.act = nn.ReLU()

    def forward(self, x):
        return self.act(self.conv(x))


class FPN(nn.Module):
    def __init__(self, in_channels, out_channels, start_level=0):
        super().__init__()
        self.start_level = start_level
        self.end_level = len(in_channels)
        self.lateral_convs = nn.ModuleList()
        for i in range(self.start_level, self.end_level):
            self.lateral_convs.append(ConvAct(in_channels[i], out_channels))

    def forward(self, inputs):
        laterals = [self.lateral_convs[i](inputs[i + self.start_level]) for i in range(len(self.lateral_convs))]
        for i in range(len(laterals) - 1, 0, -1):
            laterals[i - 1] = laterals[i - 1] + F.interpolate(laterals[i], scale_factor=2.0)
        return tuple(laterals)


torch.manual_seed(0)
fpn = FPN([4, 8, 16], 6)
feats = [torch.randn(1, 4, 16, 16), torch.randn(1, 8, 8, 8), torch.randn(1, 16, 4, 4)]
sum(o.sum() for o in fpn(feats)).backward()
