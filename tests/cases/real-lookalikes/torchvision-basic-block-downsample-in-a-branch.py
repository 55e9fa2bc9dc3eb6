# case: torchvision-basic-block-downsample-in-a-branch
# source: https://github.com/pytorch/vision/blob/main/torchvision/models/resnet.py
# expect: clean
# torch: clean
# check: all(p.grad is not None for p in list(down.parameters()) + list(same.parameters()))

# torchvision's BasicBlock: the downsample branch runs only `if self.downsample is not None` and saves x for
# backward on that path; the in-place writes that follow (`out += identity`, the in-place ReLU) are into the
# block's own output, never into x, so they are fine on both paths. Small sizes; a block of each kind, each
# run on its own.
import torch
import torch.nn as nn


class BasicBlock(nn.Module):
    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample

    def forward(self, x):
        identity = x

        out = self.conv1(x)
        out = self.bn1(out)
        out = self.relu(out)

        out = self.conv2(out)
        out = self.bn2(out)

        if self.downsample is not None:
            identity = self.downsample(x)

        out += identity
        out = self.relu(out)
        return out


torch.manual_seed(0)
stem = nn.Conv2d(1, 2, 1)
down = BasicBlock(2, 4, 2, nn.Sequential(nn.Conv2d(2, 4, 1, 2, bias=False), nn.BatchNorm2d(4)))
same = BasicBlock(2, 2)
down(stem(torch.rand(2, 1, 8, 8))).sum().backward()
same(stem(torch.rand(2, 1, 8, 8))).sum().backward()
