# case: squeezenext-identity-conv-relu-then-out-of-place-relu
# source: https://github.com/osmr/imgclsmob/issues/5
# expect: clean
# torch: clean
# check: all(p.grad is not None and torch.isfinite(p.grad).all() for p in net.parameters())

# imgclsmob's SqnxtUnit with the fix proposed in the thread: the extra activation on the
# resized identity is `F.relu(identity, inplace=False)`, so it writes a new tensor and
# the output saved by identity_conv's in-place ReLU stays intact. The unit's own
# `self.activ` (inplace) still runs after `x + identity`, a fresh sum. Reduced as the bug.
import torch
import torch.nn as nn
import torch.nn.functional as F


class SqnxtConv(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, stride, padding=(0, 0)):
        super(SqnxtConv, self).__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding)
        self.bn = nn.BatchNorm2d(num_features=out_channels)
        self.activ = nn.ReLU(inplace=True)

    def forward(self, x):
        x = self.conv(x)
        x = self.bn(x)
        x = self.activ(x)
        return x


class SqnxtUnit(nn.Module):
    def __init__(self, in_channels, out_channels, stride):
        super(SqnxtUnit, self).__init__()
        if stride == 2:
            reduction_den = 1
            self.reduce = True
        elif in_channels > out_channels:
            reduction_den = 4
            self.reduce = True
        else:
            reduction_den = 2
            self.reduce = False
        self.conv1 = SqnxtConv(in_channels, in_channels // reduction_den, 1, stride)
        self.conv2 = SqnxtConv(in_channels // reduction_den, in_channels // (2 * reduction_den), 1, 1)
        self.conv3 = SqnxtConv(in_channels // (2 * reduction_den), in_channels // reduction_den, (1, 3), 1, (0, 1))
        self.conv4 = SqnxtConv(in_channels // reduction_den, in_channels // reduction_den, (3, 1), 1, (1, 0))
        self.conv5 = SqnxtConv(in_channels // reduction_den, out_channels, 1, 1)
        if self.reduce:
            self.identity_conv = SqnxtConv(in_channels, out_channels, 1, stride)
        self.activ = nn.ReLU(inplace=True)

    def forward(self, x):
        if self.reduce:
            identity = self.identity_conv(x)
            identity = F.relu(identity, inplace=False)
        else:
            identity = x
        x = self.conv1(x)
        x = self.conv2(x)
        x = self.conv3(x)
        x = self.conv4(x)
        x = self.conv5(x)
        x = x + identity
        x = self.activ(x)
        return x


class SqueezeNext(nn.Module):
    def __init__(self, channels, init_block_channels, num_classes=5):
        super(SqueezeNext, self).__init__()
        self.features = nn.Sequential()
        self.features.add_module("init_block", SqnxtConv(3, init_block_channels, 3, 1, (1, 1)))
        in_channels = init_block_channels
        for i, channels_per_stage in enumerate(channels):
            stage = nn.Sequential()
            for j, out_channels in enumerate(channels_per_stage):
                stride = 2 if (j == 0) and (i != 0) else 1
                stage.add_module("unit{}".format(j + 1), SqnxtUnit(in_channels, out_channels, stride))
                in_channels = out_channels
            self.features.add_module("stage{}".format(i + 1), stage)
        self.features.add_module("final_pool", nn.AdaptiveAvgPool2d(1))
        self.output = nn.Linear(in_channels, num_classes)

    def forward(self, x):
        x = self.features(x)
        x = x.view(x.size(0), -1)
        x = self.output(x)
        return x


torch.manual_seed(0)
net = SqueezeNext(channels=[[8], [16]], init_block_channels=8)
net.train()
x = torch.randn(2, 3, 8, 8)
y = net(x)
y.sum().backward()
