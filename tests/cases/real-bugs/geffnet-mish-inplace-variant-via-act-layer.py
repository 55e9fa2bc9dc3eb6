# case: geffnet-mish-inplace-variant-via-act-layer
# source: https://github.com/rwightman/gen-efficientnet-pytorch/issues/16
# expect: markers
# torch: raises "modified by an inplace operation"

# gen-efficientnet-pytorch's first Mish was "a little more efficient with the inplace
# variation", `x.mul_(F.softplus(x).tanh())` (the same line ultralytics/yolov3 used in its Mish
# module, quoted in the issue); rwightman reports it "triggered an inplace gradient error
# (during training)". The activation comes from the factory get_act_layer('mish') and every
# block builds it as `act_layer(inplace=True)` (ConvBnAct), so mish() multiplies the BN output
# in place while SoftplusBackward still holds it. Reduced: two-block conv net, 16x16 input,
# one SGD step; geffnet names kept. Marker on the in-place multiply inside mish() (IPL003).
import torch
from torch import nn as nn
from torch.nn import functional as F


def mish(x, inplace: bool = False):
    """Mish: A Self Regularized Non-Monotonic Neural Activation Function - https://arxiv.org/abs/1908.08681"""
    inner = F.softplus(x).tanh()
    return x.mul_(inner) if inplace else x.mul(inner)  # error: IPL003


class Mish(nn.Module):
    def __init__(self, inplace: bool = False):
        super(Mish, self).__init__()
        self.inplace = inplace

    def forward(self, x):
        return mish(x, self.inplace)


_ACT_LAYER_DEFAULT = dict(
    mish=Mish,
    relu=nn.ReLU,
)


def get_act_layer(name='relu'):
    """ Activation Layer Factory """
    return _ACT_LAYER_DEFAULT[name]


class ConvBnAct(nn.Module):
    def __init__(self, in_chs, out_chs, kernel_size, stride=1, act_layer=nn.ReLU, norm_layer=nn.BatchNorm2d):
        super(ConvBnAct, self).__init__()
        self.conv = nn.Conv2d(in_chs, out_chs, kernel_size, stride=stride, padding=kernel_size // 2, bias=False)
        self.bn1 = norm_layer(out_chs)
        self.act1 = act_layer(inplace=True)

    def forward(self, x):
        x = self.conv(x)
        x = self.bn1(x)
        x = self.act1(x)
        return x


class GenEfficientNet(nn.Module):
    def __init__(self, num_classes=3, act_layer=nn.ReLU):
        super(GenEfficientNet, self).__init__()
        self.conv_stem = ConvBnAct(3, 8, 3, stride=2, act_layer=act_layer)
        self.blocks = nn.Sequential(
            ConvBnAct(8, 16, 3, stride=2, act_layer=act_layer),
            ConvBnAct(16, 16, 1, act_layer=act_layer),
        )
        self.classifier = nn.Linear(16, num_classes)

    def forward(self, x):
        x = self.conv_stem(x)
        x = self.blocks(x)
        x = x.mean((2, 3))
        return self.classifier(x)


torch.manual_seed(0)
model = GenEfficientNet(act_layer=get_act_layer('mish'))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
x = torch.randn(2, 3, 16, 16)
target = torch.tensor([0, 2])
loss = F.cross_entropy(model(x), target)
optimizer.zero_grad()
loss.backward()
optimizer.step()
