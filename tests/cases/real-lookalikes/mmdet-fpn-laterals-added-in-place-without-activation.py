# case: mmdet-fpn-laterals-added-in-place-without-activation
# source: https://github.com/open-mmlab/mmdetection/blob/0492e5c844f7c661ba4aa562ad585f17e209b4c3/mmdet/models/necks/fpn.py
# expect: clean
# torch: clean
# check: all(p.grad is not None for p in neck.parameters())

# mmdet's FPN neck at that commit, with its default act_cfg=None: each lateral is a plain conv output, which the
# conv does not save (it saves its input and weight), so `laterals[i - 1] += ...` into the list's elements is fine;
# the extra level is max-pooled from the last output and appended. ConvModule reduced to its conv; the ModuleLists
# built by comprehensions (the original appends in a loop).
import torch
import torch.nn as nn
import torch.nn.functional as F


class FPN(nn.Module):
    def __init__(self, in_channels, out_channels, num_outs):
        super().__init__()
        self.num_outs = num_outs
        self.lateral_convs = nn.ModuleList([nn.Conv2d(c, out_channels, 1) for c in in_channels])
        self.fpn_convs = nn.ModuleList([nn.Conv2d(out_channels, out_channels, 3, padding=1) for _ in in_channels])

    def forward(self, inputs):
        laterals = [lateral_conv(inputs[i]) for i, lateral_conv in enumerate(self.lateral_convs)]

        used_backbone_levels = len(laterals)
        for i in range(used_backbone_levels - 1, 0, -1):
            prev_shape = laterals[i - 1].shape[2:]
            laterals[i - 1] += F.interpolate(laterals[i], size=prev_shape, mode='nearest')

        outs = [self.fpn_convs[i](laterals[i]) for i in range(used_backbone_levels)]
        if self.num_outs > len(outs):
            for i in range(self.num_outs - used_backbone_levels):
                outs.append(F.max_pool2d(outs[-1], 1, stride=2))
        return tuple(outs)


torch.manual_seed(0)
neck = FPN([2, 3, 4], 4, 4)
inputs = [torch.randn(1, 2, 8, 8), torch.randn(1, 3, 4, 4), torch.randn(1, 4, 2, 2)]
sum(out.sum() for out in neck(inputs)).backward()
