# case: iresnet-inplace-relu-on-block-input
# source: https://github.com/iduta/iresnet/pull/2
# expect: markers
# torch: clean
# check: not torch.allclose(out, reference)

# The PR's diagnosis: in iResNet's first middle block, `out = self.relu(x)` with self.relu = nn.ReLU(inplace=True)
# rewrites x, so `identity = x` is ReLU(x), not x. The block is reduced to that start and the residual sum.
import torch
import torch.nn as nn


class BasicBlock(nn.Module):
    def __init__(self, planes):
        super().__init__()
        self.relu = nn.ReLU(inplace=True)
        self.conv1 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)

    def forward(self, x):
        identity = x

        out = self.relu(x)  # error: IPL008
        out = self.conv1(out)
        out = self.bn1(out)

        out += identity
        return out


torch.manual_seed(0)
block = BasicBlock(2).eval()
stem = nn.Conv2d(1, 2, 1)
x = torch.randn(1, 1, 4, 4)
out = block(stem(x))
block.relu.inplace = False
reference = block(stem(x))
