# case: resblock-sequential-inplace-relu-then-residual-add
# source: https://github.com/pytorch/pytorch/issues/5687
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# The thread's ResidualBlock: `self.left` is an nn.Sequential that ends with ReLU(inplace=True), which saves its
# result; `out += residual` then writes that result in place ("You can't do an inplace-addition after an
# inplace relu", colesbury). Channel counts reduced; the ContentWeightedCNN around it is left out.
import torch
from torch import nn
from torch.nn import functional as F


class ResidualBlock(nn.Module):
    def __init__(self, ch_in, ch_out, shortcut=None):
        super(ResidualBlock, self).__init__()
        self.left = nn.Sequential(
            nn.Conv2d(ch_in, 8, 3, 1, 1),
            nn.ReLU(inplace=True),
            nn.Conv2d(8, ch_out, 3, 1, 1),
            nn.ReLU(inplace=True),
        )
        self.right = shortcut

    def forward(self, x):
        out = self.left(x)
        residual = x if self.right is None else self.right(x)
        out += residual  # error: IPL003
        return F.relu(out, inplace=False)


block = ResidualBlock(4, 4)
x = torch.randn(1, 4, 5, 5, requires_grad=True)
block(x).sum().backward()
