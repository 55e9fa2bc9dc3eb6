# case: sequential-subclass-conv-output-added-in-place
# source: inplace-lint (the look-alike of sequential-subclass-relu-output-added-in-place)
# expect: clean
# torch: clean
# check: all(p.grad is not None for p in blk.parameters())

# The same subclass of nn.Sequential ending in a BatchNorm (which saves its input, not its output): adding into
# its output in place is fine.
import torch
import torch.nn as nn


class ConvBN(nn.Sequential):
    def __init__(self, c):
        super().__init__(nn.Conv2d(c, c, 1))
        self.add_module("bn", nn.BatchNorm2d(c))


class Block(nn.Module):
    def __init__(self, c=2):
        super().__init__()
        self.body = ConvBN(c)

    def forward(self, x):
        out = self.body(x)
        out += x
        return out


blk = Block()
blk(torch.randn(2, 2, 3, 3, requires_grad=True)).sum().backward()
