# case: nwpu-moc-fpn-laterals-added-out-of-place
# source: https://github.com/lyongo/NWPU-MOC/issues/4
# expect: clean
# torch: clean
# check: all(c[0].weight.grad is not None for c in head.lateral_convs)

# The fix from the thread: the top-down sum written out of place (`+=` changed into `= ... +`).
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
            laterals[i - 1] = laterals[i - 1] + F.interpolate(laterals[i], size=prev_shape, mode='nearest')
        return laterals[0]


torch.manual_seed(0)
head = FPNHead()
out = head([torch.rand(1, 2, 4, 4), torch.rand(1, 3, 2, 2)])
out.sum().backward()
