# case: yolov7-detect-eval-decodes-boxes-out-of-place
# source: https://github.com/WongKinYiu/yolov7/issues/1527
# expect: clean
# torch: clean
# check: img.grad is not None and bool(torch.isfinite(img.grad).all()) and img.grad.abs().sum() > 0

# The same Detect.forward decoding done out of place, as the file's own ONNX-export branch does it
# (xy and wh computed from slices of y, then torch.cat), so the sigmoid output keeps the values backward needs and
# the gradient reaches the input image. Same reduced model and attack step as
# real-bugs/yolov7-detect-eval-writes-sigmoid-output-slices.
import torch
import torch.nn as nn


class Detect(nn.Module):
    stride = None  # strides computed during build
    export = False  # onnx export

    def __init__(self, nc=80, anchors=(), ch=()):  # detection layer
        super(Detect, self).__init__()
        self.nc = nc  # number of classes
        self.no = nc + 5  # number of outputs per anchor
        self.nl = len(anchors)  # number of detection layers
        self.na = len(anchors[0]) // 2  # number of anchors
        self.grid = [torch.zeros(1)] * self.nl  # init grid
        a = torch.tensor(anchors).float().view(self.nl, -1, 2)
        self.register_buffer('anchors', a)  # shape(nl,na,2)
        self.register_buffer('anchor_grid', a.clone().view(self.nl, 1, -1, 1, 1, 2))  # shape(nl,1,na,1,1,2)
        self.m = nn.ModuleList(nn.Conv2d(x, self.no * self.na, 1) for x in ch)  # output conv

    def forward(self, x):
        z = []  # inference output
        self.training |= self.export
        for i in range(self.nl):
            x[i] = self.m[i](x[i])  # conv
            bs, _, ny, nx = x[i].shape  # x(bs,255,20,20) to x(bs,3,20,20,85)
            x[i] = x[i].view(bs, self.na, self.no, ny, nx).permute(0, 1, 3, 4, 2).contiguous()

            if not self.training:  # inference
                if self.grid[i].shape[2:4] != x[i].shape[2:4]:
                    self.grid[i] = self._make_grid(nx, ny).to(x[i].device)
                y = x[i].sigmoid()
                xy = (y[..., 0:2] * 2. - 0.5 + self.grid[i]) * self.stride[i]  # xy
                wh = (y[..., 2:4] * 2) ** 2 * self.anchor_grid[i]  # wh
                y = torch.cat((xy, wh, y[..., 4:]), -1)
                z.append(y.view(bs, -1, self.no))

        return x if self.training else (torch.cat(z, 1), x)

    @staticmethod
    def _make_grid(nx=20, ny=20):
        yv, xv = torch.meshgrid([torch.arange(ny), torch.arange(nx)], indexing='ij')
        return torch.stack((xv, yv), 2).view((1, 1, ny, nx, 2)).float()


class Model(nn.Module):
    def __init__(self, nc=2):
        super(Model, self).__init__()
        self.p3 = nn.Conv2d(3, 8, 3, stride=8, padding=1)
        self.p4 = nn.Conv2d(3, 8, 3, stride=16, padding=1)
        self.detect = Detect(nc, anchors=((10, 13, 16, 30), (30, 61, 62, 45)), ch=(8, 8))
        self.detect.stride = torch.tensor([8., 16.])

    def forward(self, img):
        return self.detect([self.p3(img), self.p4(img)])


torch.manual_seed(0)
model = Model().eval()
img = torch.rand(1, 3, 64, 64, requires_grad=True)
pred = model(img)[0]  # (bs, anchors * cells, 5 + nc): xywh, objectness, class scores
loss = (pred[..., 4] * pred[..., 5:].max(-1).values).max()  # attack the most confident detection
loss.backward()
adv_img = (img + 2 / 255 * img.grad.sign()).clamp(0, 1)
