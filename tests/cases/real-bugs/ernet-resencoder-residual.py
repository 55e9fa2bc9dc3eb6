# case: ernet-resencoder-residual
# source: https://github.com/iMED-Lab/ER-Net/pull/3
# expect: markers
# torch: raises "modified by an inplace operation"

# ER-Net (3D vessel segmentation, ER_Net.py), reduced: two ResEncoder stages + a ResEncoder bridge, MaxPool3d
# downsampling, the reverse-attention branch (1x1 conv -> ConvTranspose3d -> 1 - sigmoid, times the skip),
# ConvTranspose3d up-sampling, and a final 1x1 conv + sigmoid; channel widths 4/8/16 and an 8x8x8 volume. The
# SF_Decoder/ResDecoder blocks are replaced by a plain "up + attention-weighted skip". In ResEncoder.forward,
# `out = self.relu(...)` is the output of nn.ReLU (inplace=False), which ReluBackward saves, and the next line
# `out += residual` modifies it in place; the PR reports exactly "output 0 of ReluBackward0 ... is at version
# 1".
import torch
import torch.nn as nn
import torch.nn.functional as F


def downsample():
    return nn.MaxPool3d(kernel_size=2, stride=2)


def deconv(in_channels, out_channels):
    return nn.ConvTranspose3d(in_channels, out_channels, kernel_size=2, stride=2)


class ResEncoder(nn.Module):
    def __init__(self, in_channels, out_channels):
        super(ResEncoder, self).__init__()
        self.conv1 = nn.Conv3d(in_channels, out_channels, kernel_size=3, padding=1)
        self.bn1 = nn.BatchNorm3d(out_channels)
        self.conv2 = nn.Conv3d(out_channels, out_channels, kernel_size=3, padding=1)
        self.bn2 = nn.BatchNorm3d(out_channels)
        self.relu = nn.ReLU(inplace=False)
        self.conv1x1 = nn.Conv3d(in_channels, out_channels, kernel_size=1)

    def forward(self, x):
        residual = self.conv1x1(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out += residual  # error: IPL003
        out = self.relu(out)
        return out


class ER_Net(nn.Module):
    def __init__(self, classes, channels):
        super(ER_Net, self).__init__()
        self.encoder1 = ResEncoder(channels, 4)
        self.encoder2 = ResEncoder(4, 8)
        self.bridge = ResEncoder(8, 16)
        self.conv2_2 = nn.Conv3d(16, 1, kernel_size=1)
        self.convTrans2 = nn.ConvTranspose3d(1, 1, kernel_size=2, stride=2)
        self.down = downsample()
        self.up2 = deconv(16, 8)
        self.up1 = deconv(8, 4)
        self.final = nn.Conv3d(4, classes, kernel_size=1, padding=0)

    def forward(self, x):
        enc1 = self.encoder1(x)
        down1 = self.down(enc1)
        enc2 = self.encoder2(down1)
        down2 = self.down(enc2)
        bridge = self.bridge(down2)

        con2_2 = self.conv2_2(bridge)
        convTrans2 = self.convTrans2(con2_2)
        x2 = -1 * (torch.sigmoid(convTrans2)) + 1
        x2 = x2.expand(-1, 8, -1, -1, -1).mul(enc2)
        x2 = x2 + enc2

        dec2 = self.up2(bridge) + x2
        dec1 = self.up1(dec2) + enc1
        final = self.final(dec1)
        final = torch.sigmoid(final)
        return final


torch.manual_seed(0)
net = ER_Net(classes=1, channels=1)
optimizer = torch.optim.Adam(net.parameters(), lr=1e-4)
image = torch.randn(2, 1, 8, 8, 8)
label = (torch.rand(2, 1, 8, 8, 8) > 0.5).float()
optimizer.zero_grad()
pred = net(image)
loss = F.binary_cross_entropy(pred, label)
loss.backward()
optimizer.step()
