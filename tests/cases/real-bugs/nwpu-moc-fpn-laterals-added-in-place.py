# case: nwpu-moc-fpn-laterals-added-in-place
# source: https://github.com/lyongo/NWPU-MOC/issues/4
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# models/FPN/FPN_Head.py, line 101: the top-down pathway adds the upsampled coarser map into each lateral in place.
# The laterals come from conv + ReLU blocks, so each is a ReLU output saved for backward (the error names
# ReluBackward0). The head is reduced to that loop.
import torch
import torch.nn as nn
import torch.nn.functional as F


class FPNHead(nn.Module):
    def __init__(self, in_channels=(2, 3), channels=4):
        super().__init__()
        self.lateral_convs = nn.ModuleList(
            [nn.Sequential(nn.Conv2d(c, channels, 1), nn.ReLU()) for c in in_channels])

    def forward(self, inputs):
        laterals = [lateral_conv(inputs[i]) for i, lateral_conv in enumerate(self.lateral_convs)]
        used_backbone_levels = len(laterals)
        for i in range(used_backbone_levels - 1, 0, -1):
            prev_shape = laterals[i - 1].shape[2:]
            laterals[i - 1] += F.interpolate(laterals[i], size=prev_shape, mode='nearest')  # error: IPL003
        return laterals[0]


torch.manual_seed(0)
head = FPNHead()
out = head([torch.rand(1, 2, 4, 4), torch.rand(1, 3, 2, 2)])
out.sum().backward()
