# case: sequential-of-two-blocks-conv-then-relu-inplace
# source: inplace-lint issue #13 (look-alike: the same block class applied twice in a row)
# expect: clean
# torch: clean
# check: x.grad is not None and net[1].conv.weight.grad is not None

# Two instances of one block (a convolution, then an in-place ReLU) in an nn.Sequential: the second convolution
# saves the first block's output, and its own output -- made by the same line of code -- is a new tensor, which
# the in-place ReLU may overwrite.
import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        x = self.conv(x)
        x = self.relu(x)
        return x


net = nn.Sequential(Block(3), Block(3))
x = torch.randn(1, 3, 4, 4, requires_grad=True)
net(x).sum().backward()
