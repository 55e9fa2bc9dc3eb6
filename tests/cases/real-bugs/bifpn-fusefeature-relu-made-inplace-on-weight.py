# case: bifpn-fusefeature-relu-made-inplace-on-weight
# source: https://github.com/zylo117/Yet-Another-EfficientDet-Pytorch/issues/503
# expect: markers
# torch: raises "a leaf Variable that requires grad is being used in an in-place operation"

# The reporter's Fusefeature ("replace concat with fusefeature", i.e. a BiFPN weighted fusion inside a YOLOv5-style
# model) applies self.weight_relu = nn.ReLU() to its nn.Parameter and gets the leaf error although the ReLU was
# built out of place; the maintainer's answer is to apply it to self.weight.clone(). The thread does not show what
# switched the ReLU to in place; we reconstruct it with YOLOv5's initialize_weights (utils/torch_utils.py), which
# the model calls after building and which sets `m.inplace = True` on every nn.ReLU found by model.modules().
# Swish is nn.SiLU here (no custom autograd Function, no onnx_export flag); a tiny backbone and head around it.
# Marked where the analysis puts a module made in place after construction: on `m.inplace = True` (the line
# that made the ReLU write the Parameter), not where torch raises (`self.weight_relu(self.weight)` in forward).
import torch
import torch.nn as nn
import torch.nn.functional as F


def initialize_weights(model):
    for m in model.modules():
        t = type(m)
        if t is nn.Conv2d:
            pass  # nn.init.kaiming_normal_(m.weight, mode='fan_out', nonlinearity='relu')
        elif t is nn.BatchNorm2d:
            m.eps = 1e-3
            m.momentum = 0.03
        elif t in [nn.Hardswish, nn.LeakyReLU, nn.ReLU, nn.ReLU6]:
            m.inplace = True  # error: IPL001


class Conv(nn.Module):
    def __init__(self, c1, c2, k=1, s=1):
        super(Conv, self).__init__()
        self.conv = nn.Conv2d(c1, c2, k, s, k // 2, bias=False)
        self.bn = nn.BatchNorm2d(c2)
        self.act = nn.LeakyReLU(0.1)

    def forward(self, x):
        return self.act(self.bn(self.conv(x)))


class Fusefeature(nn.Module):
    # replace concat with fusefeature
    def __init__(self, e=1e-4):
        super(Fusefeature, self).__init__()
        self.e = e
        self.weight = nn.Parameter(torch.ones(2, dtype=torch.float32), requires_grad=True)
        self.weight_relu = nn.ReLU()
        self.swish = nn.SiLU()

    def forward(self, x):
        weight = self.weight_relu(self.weight)
        weight = weight / (torch.sum(weight, dim=0) + self.e)
        return self.swish(weight[0] * x[0] + weight[1] * x[1])


class Model(nn.Module):
    def __init__(self, nc=2):
        super(Model, self).__init__()
        self.stem = Conv(3, 8, 3, 2)
        self.down = Conv(8, 8, 3, 2)
        self.up = nn.Upsample(scale_factor=2, mode='nearest')
        self.fuse = Fusefeature()
        self.head = nn.Conv2d(8, nc, 1)
        initialize_weights(self)

    def forward(self, x):
        p1 = self.stem(x)
        p2 = self.down(p1)
        return self.head(self.fuse([p1, self.up(p2)]))


torch.manual_seed(0)
model = Model()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.937, nesterov=True)
imgs, targets = torch.rand(2, 3, 16, 16), torch.rand(2, 2, 8, 8)
optimizer.zero_grad()
loss = F.binary_cross_entropy_with_logits(model(imgs), targets)
loss.backward()
optimizer.step()
