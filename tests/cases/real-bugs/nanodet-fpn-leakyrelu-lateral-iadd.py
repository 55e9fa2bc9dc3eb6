# case: nanodet-fpn-leakyrelu-lateral-iadd
# source: https://github.com/RangiLyu/nanodet/pull/493
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# NanoDet's FPN neck merges the pyramid top-down with
# `laterals[i - 1] += F.interpolate(laterals[i], scale_factor=2, mode="bilinear")`.
# The PR author switched the config from GhostPAN to `FPN` with `activation: LeakyReLU`;
# every lateral ConvModule then ends in an in-place LeakyReLU, whose backward
# (LeakyReluBackward1) needs its own output -- which the `+=` overwrites.
# Reported error: "... which is output 0 of LeakyReluBackward1, is at version 2".
# Kept: ConvModule (conv [+ norm] + activation built by name, in place), FPN with the
# `lateral_convs` ModuleList, the list comprehension of laterals, the top-down loop with
# the in-place add, `outs = [laterals[i] ...]`.
# Completed: act_layers() reduced to LeakyReLU/ReLU, no norm, 3 tiny levels, fake backbone
# features, a sum loss.
import torch
import torch.nn as nn
import torch.nn.functional as F


def act_layers(name):
    if name == "LeakyReLU":
        return nn.LeakyReLU(negative_slope=0.1, inplace=True)
    return nn.ReLU(inplace=True)


class ConvModule(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, activation="ReLU"):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, padding=kernel_size // 2)
        self.act = act_layers(activation) if activation else None

    def forward(self, x):
        x = self.conv(x)
        if self.act is not None:
            x = self.act(x)
        return x


class FPN(nn.Module):
    def __init__(self, in_channels, out_channels, num_outs, start_level=0, activation=None):
        super().__init__()
        self.in_channels = in_channels
        self.num_outs = num_outs
        self.start_level = start_level
        self.backbone_end_level = len(in_channels)
        self.lateral_convs = nn.ModuleList()
        for i in range(self.start_level, self.backbone_end_level):
            self.lateral_convs.append(ConvModule(in_channels[i], out_channels, 1, activation=activation))

    def forward(self, inputs):
        laterals = [lateral_conv(inputs[i + self.start_level])
                    for i, lateral_conv in enumerate(self.lateral_convs)]
        used_backbone_levels = len(laterals)
        for i in range(used_backbone_levels - 1, 0, -1):
            laterals[i - 1] += F.interpolate(laterals[i], scale_factor=2, mode="bilinear")  # error: IPL003
        outs = [laterals[i] for i in range(used_backbone_levels)]
        return tuple(outs)


fpn = FPN(in_channels=[4, 8, 16], out_channels=6, num_outs=3, activation="LeakyReLU")
feats = [torch.randn(1, 4, 16, 16), torch.randn(1, 8, 8, 8), torch.randn(1, 16, 4, 4)]
outs = fpn(feats)
sum(o.sum() for o in outs).backward()
