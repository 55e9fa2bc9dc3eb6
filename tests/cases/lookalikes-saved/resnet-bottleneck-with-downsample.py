# case: resnet-bottleneck-with-downsample
# expect: clean
# torch: clean
# check: out.shape == (2, 8, 3, 3) and torch.allclose(x.grad, x_ref.grad, atol=1e-5)

import torch
from torch import nn


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        width = planes
        self.conv1 = nn.Conv2d(inplanes, width, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, planes * self.expansion, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x):
        identity = x

        out = self.conv1(x)
        out = self.bn1(out)
        out = self.relu(out)

        out = self.conv2(out)
        out = self.bn2(out)
        out = self.relu(out)

        out = self.conv3(out)
        out = self.bn3(out)

        if self.downsample is not None:
            identity = self.downsample(x)

        out += identity
        out = self.relu(out)

        return out


torch.manual_seed(0)
downsample = nn.Sequential(nn.Conv2d(3, 8, 1, stride=2, bias=False), nn.BatchNorm2d(8))
block = Bottleneck(3, 2, stride=2, downsample=downsample)
x = torch.randn(2, 3, 6, 6, requires_grad=True)
out = block(x)
out.sum().backward()

block.relu.inplace = False
x_ref = x.detach().clone().requires_grad_(True)
block(x_ref).sum().backward()
