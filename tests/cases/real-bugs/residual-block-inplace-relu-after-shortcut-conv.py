# case: residual-block-inplace-relu-after-shortcut-conv
# source: https://github.com/pytorch/pytorch/issues/15428
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# The reporter's Block (the failing ordering of forward): the shortcut conv runs first and saves x, then
# self.residual, whose first layer is an in-place ReLU, overwrites x. The layer sizes are small stand-ins.
import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self, in_chan, out_chan, stride=1):
        super().__init__()
        self.in_chan, self.out_chan, self.stride = in_chan, out_chan, stride
        self.residual = nn.Sequential(
            nn.ReLU(inplace=True),
            nn.Conv2d(in_chan, out_chan, 3, stride, 1),
        )
        self.shortcut = nn.Conv2d(in_chan, out_chan, 1, stride)

    def forward(self, x):
        if not self.stride == 1 or not self.in_chan == self.out_chan:
            sc = self.shortcut(x)
        else:
            sc = x
        resd = self.residual(x)  # error: IPL003
        out = resd + sc
        return out


torch.manual_seed(0)
stem = nn.Conv2d(1, 2, 1)
block = Block(2, 3)
out = block(stem(torch.rand(1, 1, 4, 4)))
out.sum().backward()
