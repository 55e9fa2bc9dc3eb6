# case: pafpn-relu-outputs-added-in-place-in-lists
# source: https://github.com/open-mmlab/mmdetection/pull/9450
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# mmdet/models/necks/pafpn.py before the PR: with act_cfg=dict(type='ReLU') every ConvModule ends with a ReLU,
# which saves its output, and the top-down and bottom-up paths add into those outputs in place
# (`laterals[i - 1] += ...`, `inter_outs[i + 1] += ...`). ConvModule reduced to conv + ReLU; three levels, no
# extra output levels.
import torch
import torch.nn as nn
import torch.nn.functional as F


class ConvModule(nn.Module):
    """mmcv's conv / norm / activation block, with act_cfg=dict(type='ReLU')."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride, padding=padding)
        self.activate = nn.ReLU()

    def forward(self, x):
        return self.activate(self.conv(x))


class PAFPN(nn.Module):
    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.lateral_convs = nn.ModuleList([ConvModule(c, out_channels, 1) for c in in_channels])
        self.fpn_convs = nn.ModuleList([ConvModule(out_channels, out_channels, 3, padding=1) for _ in in_channels])
        self.downsample_convs = nn.ModuleList(
            [ConvModule(out_channels, out_channels, 3, stride=2, padding=1) for _ in in_channels[1:]])

    def forward(self, inputs):
        # build laterals
        laterals = [lateral_conv(inputs[i]) for i, lateral_conv in enumerate(self.lateral_convs)]

        # build top-down path
        used_backbone_levels = len(laterals)
        for i in range(used_backbone_levels - 1, 0, -1):
            prev_shape = laterals[i - 1].shape[2:]
            laterals[i - 1] += F.interpolate(laterals[i], size=prev_shape, mode='nearest')  # error: IPL003

        # build outputs
        # part 1: from original levels
        inter_outs = [self.fpn_convs[i](laterals[i]) for i in range(used_backbone_levels)]

        # part 2: add bottom-up path
        for i in range(0, used_backbone_levels - 1):
            inter_outs[i + 1] += self.downsample_convs[i](inter_outs[i])  # error: IPL003

        return tuple(inter_outs)


neck = PAFPN([2, 3, 4], 4)
inputs = [torch.randn(1, 2, 8, 8), torch.randn(1, 3, 4, 4), torch.randn(1, 4, 2, 2)]
sum(out.sum() for out in neck(inputs)).backward()
