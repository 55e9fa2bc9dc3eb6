# case: yolov5-detect-split-decode-fixed
# source: https://github.com/ultralytics/yolov5/issues/671
# expect: clean
# torch: clean
# check: adv_patch.grad is not None and bool(torch.isfinite(adv_patch.grad).all()) and adv_patch.grad.abs().sum().item() > 0

# Same adversarial-patch setup against an eval-mode YOLOv5 as the bug file, but the Detect
# layer is built with inplace=False: later yolov5 models/yolo.py (what "update your code" in
# the issue leads to) decodes with `xy, wh, conf = y.split((2, 2, self.nc + 1), 4)` and
# `y = torch.cat((xy, wh, conf), 4)`, so the sigmoid output saved for backward is never
# written. The flag reaches Detect through Model(..., inplace=False) (attempt_load's
# `inplace` argument in yolov5). The patch gets a finite, non-zero gradient.
import torch
import torch.nn as nn


class Detect(nn.Module):
    stride = None

    def __init__(self, nc=80, anchors=(), ch=(), inplace=True):
        super().__init__()
        self.nc = nc
        self.no = nc + 5
        self.nl = len(anchors)
        self.na = len(anchors[0]) // 2
        self.grid = [torch.zeros(1)] * self.nl
        a = torch.tensor(anchors).float().view(self.nl, -1, 2)
        self.register_buffer('anchors', a)
        self.register_buffer('anchor_grid', a.clone().view(self.nl, 1, -1, 1, 1, 2))
        self.m = nn.ModuleList(nn.Conv2d(x, self.no * self.na, 1) for x in ch)
        self.inplace = inplace

    def forward(self, x):
        z = []
        for i in range(self.nl):
            x[i] = self.m[i](x[i])
            bs, _, ny, nx = x[i].shape
            x[i] = x[i].view(bs, self.na, self.no, ny, nx).permute(0, 1, 3, 4, 2).contiguous()
            if not self.training:
                if self.grid[i].shape[2:4] != x[i].shape[2:4]:
                    self.grid[i] = self._make_grid(nx, ny).to(x[i].device)
                y = x[i].sigmoid()
                if self.inplace:
                    y[..., 0:2] = (y[..., 0:2] * 2. - 0.5 + self.grid[i]) * self.stride[i]
                    y[..., 2:4] = (y[..., 2:4] * 2) ** 2 * self.anchor_grid[i]
                else:
                    xy, wh, conf = y.split((2, 2, self.nc + 1), 4)
                    xy = (xy * 2. - 0.5 + self.grid[i]) * self.stride[i]
                    wh = (wh * 2) ** 2 * self.anchor_grid[i]
                    y = torch.cat((xy, wh, conf), 4)
                z.append(y.view(bs, -1, self.no))
        return x if self.training else (torch.cat(z, 1), x)

    @staticmethod
    def _make_grid(nx=20, ny=20):
        yv, xv = torch.meshgrid([torch.arange(ny), torch.arange(nx)], indexing='ij')
        return torch.stack((xv, yv), 2).view((1, 1, ny, nx, 2)).float()


class Conv(nn.Module):
    def __init__(self, c1, c2, k=1, s=1):
        super().__init__()
        self.conv = nn.Conv2d(c1, c2, k, s, k // 2, bias=False)
        self.bn = nn.BatchNorm2d(c2)
        self.act = nn.LeakyReLU(0.1)

    def forward(self, x):
        return self.act(self.bn(self.conv(x)))


class Model(nn.Module):
    def __init__(self, nc=2, inplace=True):
        super().__init__()
        layers = [Conv(3, 8, 3, 4), Conv(8, 16, 3, 2), Conv(16, 16, 3, 2),
                  Detect(nc, [[10, 13, 16, 30], [30, 61, 62, 45]], (16, 16), inplace=inplace)]
        froms = [-1, -1, -1, [1, 2]]
        for i, (m, f) in enumerate(zip(layers, froms)):
            m.i, m.f = i, f
        self.model = nn.Sequential(*layers)
        self.save = [1, 2]
        self.model[-1].stride = torch.tensor([8., 16.])

    def forward(self, x):
        return self.forward_once(x)

    def forward_once(self, x):
        y = []
        for m in self.model:
            if m.f != -1:
                x = y[m.f] if isinstance(m.f, int) else [x if j == -1 else y[j] for j in m.f]
            x = m(x)
            y.append(x if m.i in self.save else None)
        return x


torch.manual_seed(0)
yolov5 = Model(nc=2, inplace=False).eval()
for p in yolov5.parameters():
    p.requires_grad_(False)

adv_patch = torch.full((3, 8, 8), 0.5, requires_grad=True)
img_batch = torch.rand(2, 3, 32, 32)
pad = nn.ZeroPad2d((12, 12, 12, 12))
mask = pad(torch.ones(3, 8, 8))
batch = img_batch * (1 - mask) + pad(adv_patch) * mask

output = yolov5(batch)[0]
max_prob = output[:, :, 4].max(1)[0]
loss = max_prob.mean()
loss.backward()
