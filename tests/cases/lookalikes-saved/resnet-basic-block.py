# case: resnet-basic-block
# expect: clean
# torch: clean
# check: torch.allclose(x.grad, x_ref.grad, atol=1e-5) and all(torch.allclose(g, p.grad, atol=1e-5) for g, p in zip(grads, block.parameters()))

import torch
from torch import nn


class BasicBlock(nn.Module):
    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample
        self.stride = stride

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
block = BasicBlock(2, 2)
x = torch.randn(2, 2, 4, 4, requires_grad=True)
block(x).sum().backward()
grads = [p.grad.clone() for p in block.parameters()]

block.zero_grad()
block.relu.inplace = False
x_ref = x.detach().clone().requires_grad_(True)
block(x_ref).sum().backward()
