# case: torchvision-basicblock-relu-before-residual-add
# source: https://github.com/pytorch/vision/issues/807
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# The maintainer's answer to "which cases are not safe?": torchvision's resnet BasicBlock with the sum and the
# in-place ReLU swapped (as in a pre-activation ResNet), `out = self.relu(out); out += identity`, fails in backward
# because self.relu = nn.ReLU(inplace=True) saved its output for its gradient. BasicBlock as in
# torchvision/models/resnet.py with that swap; a two-block stage with a downsample shortcut and a linear head stand
# in for ResNet.
import torch
import torch.nn as nn
import torch.nn.functional as F


def conv3x3(in_planes, out_planes, stride=1):
    return nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=1, bias=False)


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super(BasicBlock, self).__init__()
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)
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

        out = self.relu(out)
        out += identity  # error: IPL003

        return out


class TinyResNet(nn.Module):
    def __init__(self, num_classes=4):
        super(TinyResNet, self).__init__()
        self.conv1 = nn.Conv2d(3, 4, kernel_size=3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(4)
        self.relu = nn.ReLU(inplace=True)
        downsample = nn.Sequential(nn.Conv2d(4, 8, kernel_size=1, stride=2, bias=False), nn.BatchNorm2d(8))
        self.layer1 = nn.Sequential(BasicBlock(4, 8, stride=2, downsample=downsample), BasicBlock(8, 8))
        self.fc = nn.Linear(8, num_classes)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer1(x)
        x = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
        return self.fc(x)


torch.manual_seed(0)
model = TinyResNet()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
images, labels = torch.randn(2, 3, 8, 8), torch.tensor([1, 3])
optimizer.zero_grad()
loss = F.cross_entropy(model(images), labels)
loss.backward()
optimizer.step()
