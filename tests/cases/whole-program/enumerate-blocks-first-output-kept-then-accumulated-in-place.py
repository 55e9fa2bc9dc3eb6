# case: enumerate-blocks-first-output-kept-then-accumulated-in-place
# source: inplace-lint issue #13 (the shape of mmocr's FPEM_FFM, tests/cases/real-bugs/mmocr-fpem-ffm-accumulates-relu-outputs-in-place: `if i == 0:` keeps the first block's output, later passes add into it in place; the blocks end with a ReLU, which saved that output)
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"
import torch
from torch import nn


class ConvReLU(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)
        self.relu = nn.ReLU()

    def forward(self, x):
        return self.relu(self.conv(x))


class Fusion(nn.Module):
    def __init__(self, c, repeat):
        super().__init__()
        self.blocks = nn.ModuleList([ConvReLU(c) for _ in range(repeat)])

    def forward(self, x):
        for i, block in enumerate(self.blocks):
            x = block(x)
            if i == 0:
                fused = x
            else:
                fused += x  # error: IPL003
        return fused


Fusion(4, repeat=3)(torch.randn(1, 4, 6, 6, requires_grad=True)).sum().backward()
