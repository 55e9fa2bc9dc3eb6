# case: iresnet-out-of-place-relu-on-block-input
# source: https://github.com/iduta/iresnet/pull/2
# expect: clean
# torch: clean
# check: torch.allclose(out, block.bn1(block.conv1(torch.relu(stem(x)))) + stem(x))

# The PR's fix: `inplace=True` removed where `out = self.relu(x)` appears, so identity keeps the block input.
import torch
import torch.nn as nn


class BasicBlock(nn.Module):
    def __init__(self, planes):
        super().__init__()
        self.relu = nn.ReLU()
        self.conv1 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)

    def forward(self, x):
        identity = x

        out = self.relu(x)
        out = self.conv1(out)
        out = self.bn1(out)

        out += identity
        return out


torch.manual_seed(0)
block = BasicBlock(2).eval()
stem = nn.Conv2d(1, 2, 1)
x = torch.randn(1, 1, 4, 4)
out = block(stem(x))
