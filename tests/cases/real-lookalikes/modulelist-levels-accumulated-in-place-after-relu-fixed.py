# case: modulelist-levels-accumulated-in-place-after-relu-fixed
# source: https://github.com/easton-cau/SOTR/issues/19
# expect: clean
# torch: clean
# check: all(p.grad is not None and torch.isfinite(p.grad).all() for p in head.convs_all_levels[0].parameters())

# The fix given in the thread: the per-level sum is out of place,
# `feature_add_all_level = feature_add_all_level + ...`, so level 0's ReLU output is kept.
import torch
import torch.nn as nn


def conv_gn_relu(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.GroupNorm(2, cout), nn.ReLU())


class MaskFeatHead(nn.Module):
    def __init__(self, in_channels=4, out_channels=4, num_levels=3):
        super().__init__()
        self.convs_all_levels = nn.ModuleList()
        for i in range(num_levels):
            if i == 0:
                self.convs_all_levels.append(conv_gn_relu(in_channels, out_channels))
                continue
            block = nn.Sequential()
            for j in range(i):
                block.add_module("conv%d" % j, conv_gn_relu(in_channels if j == 0 else out_channels, out_channels))
                block.add_module("upsample%d" % j, nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False))
            self.convs_all_levels.append(block)

    def forward(self, inputs):
        feature_add_all_level = self.convs_all_levels[0](inputs[0])
        for i in range(1, len(inputs)):
            mask_feat = inputs[i]
            feature_add_all_level = feature_add_all_level + self.convs_all_levels[i](mask_feat)
        return feature_add_all_level


torch.manual_seed(0)
head = MaskFeatHead()
inputs = [torch.randn(1, 4, 8, 8), torch.randn(1, 4, 4, 4), torch.randn(1, 4, 2, 2)]
out = head(inputs)
out.sum().backward()
