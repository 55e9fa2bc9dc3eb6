# case: yolop-initialize-biases-through-bias-view-data
# source: https://github.com/hustvl/YOLOP/pull/17
# expect: clean
# torch: clean
# check: torch.allclose(model.detector.m[0].bias.view(3, -1)[:, 4].detach(), init_bias.view(3, -1)[:, 4] + math.log(8 / (640 / float(model.stride[0])) ** 2)) and model.detector.m[0].bias.grad is not None

# The look-alike of real-bugs/yolop-initialize-biases-through-bias-view, with the PR's fix (taken from yolov5 issue
# 1552): _initialize_biases adds the priors through `b.data[:, 4]` / `b.data[:, 5:]`, a write autograd does not
# record into a view of a bias no graph has used yet, then wraps the reshaped bias in a new Parameter; training
# afterwards is unaffected. init_bias keeps the first conv's bias before the priors, for the check.
import math

import torch
import torch.nn as nn


class Detect(nn.Module):
    stride = None  # strides computed during build

    def __init__(self, nc=13, anchors=(), ch=()):  # detection layer
        super(Detect, self).__init__()
        self.nc = nc  # number of classes
        self.no = nc + 5  # number of outputs per anchor 85
        self.nl = len(anchors)  # number of detection layers 3
        self.na = len(anchors[0]) // 2  # number of anchors 3
        self.grid = [torch.zeros(1)] * self.nl  # init grid
        a = torch.tensor(anchors).float().view(self.nl, -1, 2)
        self.register_buffer('anchors', a)  # shape(nl,na,2)
        self.register_buffer('anchor_grid', a.clone().view(self.nl, 1, -1, 1, 1, 2))  # shape(nl,1,na,1,1,2)
        self.m = nn.ModuleList(nn.Conv2d(x, self.no * self.na, 1) for x in ch)  # output conv

    def forward(self, x):
        for i in range(self.nl):
            x[i] = self.m[i](x[i])  # conv
            bs, _, ny, nx = x[i].shape  # x(bs,255,w,w) to x(bs,3,w,w,85)
            x[i] = x[i].view(bs, self.na, self.no, ny, nx).permute(0, 1, 3, 4, 2).contiguous()
        return x


class MCnet(nn.Module):
    def __init__(self):
        super(MCnet, self).__init__()
        self.nc = 1
        self.stage1 = nn.Sequential(nn.Conv2d(3, 8, 3, 2, 1), nn.ReLU())
        self.stage2 = nn.Sequential(nn.Conv2d(8, 16, 3, 2, 1), nn.ReLU())
        self.detector = Detect(1, [[3, 9, 5, 11, 4, 20], [7, 18, 6, 39, 12, 31]], [8, 16])

        # set stride、anchor for detector
        Detector = self.detector  # detector
        if isinstance(Detector, Detect):
            s = 128  # 2x min stride
            with torch.no_grad():
                detects = self.forward(torch.zeros(1, 3, s, s))
                Detector.stride = torch.tensor([s / x.shape[-2] for x in detects])  # forward
            Detector.anchors /= Detector.stride.view(-1, 1, 1)  # Set the anchors for the corresponding scale
            self.stride = Detector.stride
            self._initialize_biases()

    def forward(self, x):
        f1 = self.stage1(x)
        f2 = self.stage2(f1)
        return self.detector([f1, f2])

    def _initialize_biases(self, cf=None):  # initialize biases into Detect(), cf is class frequency
        # https://arxiv.org/abs/1708.02002 section 3.3
        m = self.detector  # Detect() module
        global init_bias
        init_bias = m.m[0].bias.detach().clone()
        for mi, s in zip(m.m, m.stride):  # from
            b = mi.bias.view(m.na, -1)  # conv.bias(255) to (3,85)
            b.data[:, 4] += math.log(8 / (640 / s) ** 2)  # obj (8 objects per 640 image)
            b.data[:, 5:] += math.log(0.6 / (m.nc - 0.99)) if cf is None else torch.log(cf / cf.sum())  # cls
            mi.bias = torch.nn.Parameter(b.view(-1), requires_grad=True)


torch.manual_seed(0)
init_bias = None
model = MCnet()
out = model(torch.rand(2, 3, 32, 32))
loss = sum(o.sum() for o in out)
loss.backward()
