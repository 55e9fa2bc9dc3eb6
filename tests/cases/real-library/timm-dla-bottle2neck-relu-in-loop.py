# case: timm-dla-bottle2neck-relu-in-loop
# source: https://github.com/huggingface/pytorch-image-models/blob/main/timm/models/dla.py
# expect: clean
# torch: clean
# check: all(torch.allclose(g, r, atol=1e-4) for g, r in zip(grads, ref_grads))

# timm's DlaBottle2neck (Res2Net split-scale bottleneck; device/dtype arguments dropped), trained with stride 1 and 2:
# each pass of the loop makes a new `bn(sp)` output, which the in-place ReLU writes; the previous pass's ReLU output
# stays in the list `spo` (for torch.cat) but is another tensor, so the write does not touch what that ReLU saved.
import copy
import math
from typing import List, Optional

import torch
import torch.nn as nn


class DlaBottle2neck(nn.Module):
    """Res2Net/Res2NeXT DLA Bottleneck (device/dtype arguments dropped)"""
    expansion = 2

    def __init__(self, inplanes, outplanes, stride=1, dilation=1, scale=4, cardinality=8, base_width=4):
        super().__init__()
        self.is_first = stride > 1
        self.scale = scale
        mid_planes = int(math.floor(outplanes * (base_width / 64)) * cardinality)
        mid_planes = mid_planes // self.expansion
        self.width = mid_planes

        self.conv1 = nn.Conv2d(inplanes, mid_planes * scale, kernel_size=1, bias=False)
        self.bn1 = nn.BatchNorm2d(mid_planes * scale)

        num_scale_convs = max(1, scale - 1)
        convs = []
        bns = []
        for _ in range(num_scale_convs):
            convs.append(nn.Conv2d(
                mid_planes,
                mid_planes,
                kernel_size=3,
                stride=stride,
                padding=dilation,
                dilation=dilation,
                groups=cardinality,
                bias=False,
            ))
            bns.append(nn.BatchNorm2d(mid_planes))
        self.convs = nn.ModuleList(convs)
        self.bns = nn.ModuleList(bns)
        self.pool = nn.AvgPool2d(kernel_size=3, stride=stride, padding=1) if self.is_first else None

        self.conv3 = nn.Conv2d(mid_planes * scale, outplanes, kernel_size=1, bias=False)
        self.bn3 = nn.BatchNorm2d(outplanes)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x, shortcut: Optional[torch.Tensor] = None, children: Optional[List[torch.Tensor]] = None):
        if shortcut is None:
            shortcut = x

        out = self.conv1(x)
        out = self.bn1(out)
        out = self.relu(out)

        spx = torch.split(out, self.width, 1)
        spo = []
        sp = spx[0]  # redundant, for torchscript
        for i, (conv, bn) in enumerate(zip(self.convs, self.bns)):
            if i == 0 or self.is_first:
                sp = spx[i]
            else:
                sp = sp + spx[i]
            sp = conv(sp)
            sp = bn(sp)
            sp = self.relu(sp)
            spo.append(sp)
        if self.scale > 1:
            if self.pool is not None:  # self.is_first == True, None check for torchscript
                spo.append(self.pool(spx[-1]))
            else:
                spo.append(spx[-1])
        out = torch.cat(spo, 1)

        out = self.conv3(out)
        out = self.bn3(out)

        out += shortcut
        out = self.relu(out)

        return out



torch.manual_seed(0)
grads, ref_grads = [], []
for stride in (1, 2):
    block = DlaBottle2neck(64, 64, stride=stride)
    block.train()
    ref = copy.deepcopy(block)
    ref.relu = nn.ReLU()  # the same block without in-place ReLU: the reference gradients
    x = torch.randn(2, 64, 8, 8, requires_grad=True)
    shortcut = None if stride == 1 else torch.randn(2, 64, 4, 4)
    block(x * 1, shortcut).sum().backward()
    grads.append(x.grad)
    x_ref = x.detach().clone().requires_grad_()
    ref(x_ref * 1, shortcut).sum().backward()
    ref_grads.append(x_ref.grad)
