# case: yolov5-prune-detect-bias-view-init-under-no-grad-fixed
# source: https://github.com/xhwNobody/yolov5_prune_sfp/issues/17
# expect: clean
# torch: clean
# check: model_dst.head_self.m[0].bias.view(3, -1)[:, 4].max().item() < -6 and model_dst.head_self.m[0].bias.grad is not None

# Look-alike of yolov5-prune-detect-bias-view-init-in-place with the fix posted in the
# thread: the two prior additions on the bias view run inside `with torch.no_grad():`,
# and the bias is re-wrapped as a trainable Parameter afterwards, as in later YOLOv5.
import math

import torch
import torch.nn as nn


class Detect(nn.Module):
    def __init__(self, nc=80, anchors=(), ch=()):
        super(Detect, self).__init__()
        self.nc = nc
        self.no = nc + 5
        self.nl = len(anchors)
        self.na = len(anchors[0]) // 2
        self.register_buffer('anchors', torch.tensor(anchors).float().view(self.nl, -1, 2))
        self.m = nn.ModuleList(nn.Conv2d(x, self.no * self.na, 1) for x in ch)
        self.stride = torch.tensor([8., 16., 32.])

    def forward(self, x):
        return [self.m[i](x[i]) for i in range(self.nl)]


class Model(nn.Module):
    def __init__(self, nc=3):
        super(Model, self).__init__()
        anchors = [[10, 13, 16, 30, 33, 23], [30, 61, 62, 45, 59, 119], [116, 90, 156, 198, 373, 326]]
        self.backbone = nn.ModuleList([nn.Conv2d(3, 8, 3, s, 1) for s in (8, 16, 32)])
        self.head_self = Detect(nc, anchors, ch=(8, 8, 8))
        self._initialize_biases()  # only run once

    def _initialize_biases(self, cf=None):  # initialize biases into Detect(), cf is class frequency
        m = self.head_self  # Detect() module
        for mi, s in zip(m.m, m.stride):  # from
            b = mi.bias.view(m.na, -1)  # conv.bias(255) to (3,85)
            with torch.no_grad():
                b[:, 4] += math.log(8 / (640 / s) ** 2)  # obj (8 objects per 640 image)
                b[:, 5:] += math.log(0.6 / (m.nc - 0.99)) if cf is None else torch.log(cf / cf.sum())  # cls
            mi.bias = torch.nn.Parameter(b.view(-1), requires_grad=True)

    def forward(self, x):
        return self.head_self([conv(x) for conv in self.backbone])


torch.manual_seed(0)
model_dst = Model(nc=3)
outs = model_dst(torch.randn(1, 3, 64, 64))
sum(o.sum() for o in outs).backward()
