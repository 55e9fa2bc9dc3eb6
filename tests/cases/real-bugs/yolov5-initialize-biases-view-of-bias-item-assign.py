# case: yolov5-initialize-biases-view-of-bias-item-assign
# source: https://github.com/DataXujing/YOLO-v5/issues/23
# expect: markers
# torch: raises "a view of a leaf Variable that requires grad is being used in an in-place operation"

# Model.__init__ calls _initialize_biases, which takes the Detect module (self.model[-1]),
# views each head conv's bias as (na, no) and writes the objectness/class columns by item
# assignment outside no_grad. Reduced: a 2-layer backbone, Detect with 2 heads, nc=2, na=3.
# Second marker: the next write into the same view raises the same error once the first is fixed.
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
        self._initialize_biases()

    def forward(self, x):
        return self.model(x)

    def _initialize_biases(self, cf=None):
        m = self.model[-1]
        for mi, s in zip(m.m, m.stride):
            b = mi.bias.view(m.na, -1)
            b[:, 4] = b[:, 4] + math.log(8 / (640 / s) ** 2)  # error: IPL002
            b[:, 5:] = b[:, 5:] + math.log(0.6 / (m.nc - 0.99))  # error: IPL002
            mi.bias = torch.nn.Parameter(b.view(-1), requires_grad=True)


model = Model()
out = model(torch.randn(1, 3, 16, 16))
loss = sum(o.sigmoid().mean() for o in out)
loss.backward()
