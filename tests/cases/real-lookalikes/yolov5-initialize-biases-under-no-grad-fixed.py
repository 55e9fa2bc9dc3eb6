# case: yolov5-initialize-biases-under-no-grad-fixed
# source: https://github.com/DataXujing/YOLO-v5/issues/23
# expect: clean
# torch: clean
# check: all(mi.bias.grad is not None for mi in model.model[-1].m) and abs(model.model[-1].m[0].bias.view(3, -1)[0, 4].item() - (init0 + math.log(8 / (640 / 8.0) ** 2))) < 1e-5

# The fix given in the thread: the bias view is written under torch.no_grad(), as nn.init does.
import math
import torch
import torch.nn as nn


class Detect(nn.Module):
    def __init__(self, nc=2, anchors=3, ch=(4, 8)):
        super().__init__()
        self.nc = nc
        self.no = nc + 5
        self.na = anchors
        self.m = nn.ModuleList(nn.Conv2d(x, self.no * self.na, 1) for x in ch)
        self.stride = torch.tensor([8.0, 16.0])

    def forward(self, xs):
        return [mi(x) for mi, x in zip(self.m, xs)]


class Backbone(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 4, 3, 2, 1)
        self.c2 = nn.Conv2d(4, 8, 3, 2, 1)

    def forward(self, x):
        p3 = self.c1(x)
        return [p3, self.c2(p3)]


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.model = nn.Sequential(Backbone(), Detect())
        self.init0 = self.model[-1].m[0].bias.view(3, -1)[0, 4].item()
        self._initialize_biases()

    def forward(self, x):
        return self.model(x)

    def _initialize_biases(self, cf=None):
        m = self.model[-1]
        for mi, s in zip(m.m, m.stride):
            b = mi.bias.view(m.na, -1)
            with torch.no_grad():
                b[:, 4] += math.log(8 / (640 / s) ** 2)
                b[:, 5:] += math.log(0.6 / (m.nc - 0.99))
            mi.bias = torch.nn.Parameter(b.view(-1), requires_grad=True)


model = Model()
init0 = model.init0
out = model(torch.randn(1, 3, 16, 16))
loss = sum(o.sigmoid().mean() for o in out)
loss.backward()
