# case: bifpn-fusion-weight-relu-flipped-inplace-by-modules-loop
# source: https://github.com/pytorch/pytorch/issues/42525
# expect: markers
# torch: raises "a leaf Variable that requires grad is being used in an in-place operation"

# An EfficientDet BiFPN passes its fast-fusion weights, nn.Parameters, through `self.p6_w1_relu = nn.ReLU()`;
# the reporter got relu_ on the leaf although the ReLU was built without inplace=True. The thread only says
# something else set the flag: completed here with the common helper that walks model.modules() and makes
# every nn.ReLU in-place after construction. Two pyramid levels, tiny channels.
# The marker sits on `m.inplace = True`, the statement that makes the ReLU write in place (the rules'
# convention for a flipped `inplace`), not on the call that runs it.
import torch
import torch.nn as nn
import torch.nn.functional as F


class SeparableConvBlock(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.depthwise_conv = nn.Conv2d(channels, channels, 3, padding=1, groups=channels, bias=False)
        self.pointwise_conv = nn.Conv2d(channels, channels, 1)
        self.bn = nn.BatchNorm2d(channels)
        self.act = nn.ReLU()

    def forward(self, x):
        return self.act(self.bn(self.pointwise_conv(self.depthwise_conv(x))))


class BiFPN(nn.Module):
    def __init__(self, num_channels, epsilon=1e-4):
        super().__init__()
        self.epsilon = epsilon
        self.conv6_up = SeparableConvBlock(num_channels)
        self.conv7_down = SeparableConvBlock(num_channels)
        self.p6_upsample = nn.Upsample(scale_factor=2, mode='nearest')
        self.p7_downsample = nn.MaxPool2d(2)
        self.p6_w1 = nn.Parameter(torch.ones(2, dtype=torch.float32), requires_grad=True)
        self.p6_w1_relu = nn.ReLU()
        self.p7_w2 = nn.Parameter(torch.ones(2, dtype=torch.float32), requires_grad=True)
        self.p7_w2_relu = nn.ReLU()

    def forward(self, inputs):
        p6_in, p7_in = inputs
        p6_w1 = self.p6_w1_relu(self.p6_w1)
        weight = p6_w1 / (torch.sum(p6_w1, dim=0) + self.epsilon)
        p6_up = self.conv6_up(F.silu(weight[0] * p6_in + weight[1] * self.p6_upsample(p7_in)))
        p7_w2 = self.p7_w2_relu(self.p7_w2)
        weight = p7_w2 / (torch.sum(p7_w2, dim=0) + self.epsilon)
        p7_out = self.conv7_down(F.silu(weight[0] * p7_in + weight[1] * self.p7_downsample(p6_up)))
        return p6_up, p7_out


def set_relu_inplace(model):
    for m in model.modules():
        if isinstance(m, nn.ReLU):
            m.inplace = True  # error: IPL001


torch.manual_seed(0)
bifpn = BiFPN(4)
set_relu_inplace(bifpn)
bifpn.train()
p6, p7 = torch.randn(2, 4, 8, 8), torch.randn(2, 4, 4, 4)
out6, out7 = bifpn((p6, p7))
(out6.mean() + out7.mean()).backward()
