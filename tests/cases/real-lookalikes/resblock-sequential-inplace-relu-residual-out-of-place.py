# case: resblock-sequential-inplace-relu-residual-out-of-place
# source: https://github.com/pytorch/pytorch/issues/5687
# expect: clean
# torch: clean
# check: x.grad is not None and torch.allclose(out, F.relu(block.left(x) + x))

# The same block with the residual added out of place: the in-place ReLUs inside the Sequential only write
# conv outputs nobody else reads, and the last ReLU's saved result is left alone.
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
        out = out + residual
        return F.relu(out, inplace=False)


torch.manual_seed(0)
block = ResidualBlock(4, 4)
x = torch.randn(1, 4, 5, 5, requires_grad=True)
out = block(x)
out.sum().backward()
