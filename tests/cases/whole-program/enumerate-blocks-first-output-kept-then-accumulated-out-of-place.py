# case: enumerate-blocks-first-output-kept-then-accumulated-out-of-place
# source: inplace-lint issue #13 (the look-alike of enumerate-blocks-first-output-kept-then-accumulated-in-place: the later passes add out of place, as mmocr's fix does)
# expect: clean
# torch: clean
# check: model.blocks[0].conv.weight.grad is not None
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
                fused = fused + x
        return fused


model = Fusion(4, repeat=3)
model(torch.randn(1, 4, 6, 6, requires_grad=True)).sum().backward()
