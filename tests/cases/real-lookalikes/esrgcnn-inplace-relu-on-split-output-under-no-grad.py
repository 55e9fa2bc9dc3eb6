# case: esrgcnn-inplace-relu-on-split-output-under-no-grad
# source: https://github.com/hellloxiaotian/ESRGCNN/issues/2
# expect: clean
# torch: clean
# check: sr.shape == (3, 16, 16) and not sr.requires_grad

# The look-alike of real-bugs/esrgcnn-inplace-relu-on-split-output: the same network, with the test-time sample()
# running it under torch.no_grad(), as inference code should. Nothing requires grad there, so the in-place ReLU on
# the split's remaining channels is allowed. Same stand-ins for model/ops.py, two MFCModules.
import torch
import torch.nn as nn


class MeanShift(nn.Module):
    def __init__(self, mean_rgb, sub):
        super(MeanShift, self).__init__()
        sign = -1 if sub else 1
        self.shifter = nn.Conv2d(3, 3, 1, 1, 0)
        self.shifter.weight.data = torch.eye(3).view(3, 3, 1, 1)
        self.shifter.bias.data = torch.tensor(mean_rgb) * sign
        for params in self.shifter.parameters():
            params.requires_grad = False

    def forward(self, x):
        return self.shifter(x)


class UpsampleBlock(nn.Module):
    def __init__(self, n_channels, scale):
        super(UpsampleBlock, self).__init__()
        self.body = nn.Sequential(nn.Conv2d(n_channels, 4 * n_channels, 3, 1, 1), nn.ReLU(inplace=True), nn.PixelShuffle(2))

    def forward(self, x, scale):
        return self.body(x)


class MFCModule(nn.Module):
    def __init__(self, in_channels, out_channels, gropus=1):
        super(MFCModule, self).__init__()
        kernel_size = 3
        padding = 1
        features = 64
        features1 = 48
        distill_rate = 0.25
        self.distilled_channels = int(features * distill_rate)
        self.remaining_channels = int(features - self.distilled_channels)
        self.conv1_1 = nn.Sequential(nn.Conv2d(in_channels=features, out_channels=features, kernel_size=kernel_size, padding=padding, groups=1, bias=False))
        self.conv1_2 = nn.Sequential(nn.Conv2d(in_channels=features1, out_channels=features, kernel_size=kernel_size, padding=padding, groups=1, bias=False))
        self.conv1_3 = nn.Sequential(nn.Conv2d(in_channels=features1, out_channels=features, kernel_size=kernel_size, padding=padding, groups=1, bias=False))
        self.conv1_4 = nn.Sequential(nn.Conv2d(in_channels=features1, out_channels=features, kernel_size=kernel_size, padding=padding, groups=1, bias=False))
        self.conv1_5 = nn.Sequential(nn.Conv2d(in_channels=features, out_channels=features, kernel_size=kernel_size, padding=padding, groups=1, bias=False), nn.ReLU(inplace=True))
        self.conv1_6 = nn.Sequential(nn.Conv2d(in_channels=features, out_channels=features, kernel_size=3, padding=1, groups=1, bias=False), nn.ReLU(inplace=True))
        self.ReLU = nn.ReLU(inplace=True)

    def forward(self, input):
        out1_c = self.conv1_1(input)
        dit1, remain1 = torch.split(out1_c, (self.distilled_channels, self.remaining_channels), dim=1)
        out1_r = self.ReLU(remain1)
        out2_c = self.conv1_2(out1_r)
        dit2, remain2 = torch.split(out2_c, (self.distilled_channels, self.remaining_channels), dim=1)
        remain2 = remain2 + remain1
        out2_r = self.ReLU(remain2)
        out3_c = self.conv1_3(out2_r)
        dit3, remain3 = torch.split(out3_c, (self.distilled_channels, self.remaining_channels), dim=1)
        remain3 = remain3 + remain2
        out3_r = self.ReLU(remain3)
        out4_c = self.conv1_4(out3_r)
        dit4, remain4 = torch.split(out4_c, (self.distilled_channels, self.remaining_channels), dim=1)
        remain4 = remain4 + remain3
        dit = dit1 + dit2 + dit3 + dit4
        out_t = torch.cat([dit, remain4], dim=1)
        out_r = self.ReLU(out_t)
        out5_r = self.conv1_5(out_r)
        out6_r = self.conv1_6(out5_r)
        out6_r = input + out6_r
        return out6_r


class Net(nn.Module):
    def __init__(self, **kwargs):
        super(Net, self).__init__()
        scale = kwargs.get("scale")
        kernel_size = 3
        padding = 1
        features = 64
        channels = 3
        self.sub_mean = MeanShift((0.4488, 0.4371, 0.4040), sub=True)
        self.add_mean = MeanShift((0.4488, 0.4371, 0.4040), sub=False)
        self.conv1_1 = nn.Sequential(nn.Conv2d(in_channels=channels, out_channels=features, kernel_size=kernel_size, padding=padding, groups=1, bias=False), nn.ReLU(inplace=True))
        self.b1 = MFCModule(features, features)
        self.b2 = MFCModule(features, features)
        self.ReLU = nn.ReLU(inplace=True)
        self.conv2 = nn.Sequential(nn.Conv2d(in_channels=features, out_channels=features, kernel_size=kernel_size, padding=padding, groups=1, bias=False), nn.ReLU(inplace=True))
        self.conv3 = nn.Sequential(nn.Conv2d(in_channels=features, out_channels=3, kernel_size=kernel_size, padding=padding, groups=1, bias=False))
        self.upsample = UpsampleBlock(64, scale=scale)

    def forward(self, x, scale):
        x = self.sub_mean(x)
        x1 = self.conv1_1(x)
        b1 = self.b1(x1)
        b2 = self.b2(b1)
        x2 = self.conv2(b2)
        temp = self.upsample(x2, scale=scale)
        temp2 = self.ReLU(temp)
        out = self.conv3(temp2)
        out = self.add_mean(out)
        return out


def sample(net, lr, scale):
    with torch.no_grad():
        sr = net(lr, scale).detach().squeeze(0)  # detach() break the reversed transformation.
    return sr


torch.manual_seed(0)
net = Net(scale=2)
lr = torch.rand(1, 3, 8, 8)
sr = sample(net, lr, 2)
