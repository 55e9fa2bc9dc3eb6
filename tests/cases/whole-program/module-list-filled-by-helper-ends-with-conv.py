# case: module-list-filled-by-helper-ends-with-conv
# source: inplace-lint issue #13 (look-alike: the helper skips the activation, None here, so the block ends with the convolution)
# expect: clean
# torch: clean
# check: block.block[0].weight.grad is not None
import torch
from torch import nn


def add_if_not_none(module_list, module):
    if module is not None:
        module_list.append(module)


class Block(nn.Module):
    def __init__(self, channels, normalization=None, activation="Sigmoid"):
        super().__init__()
        block = nn.ModuleList()
        norm = None
        if normalization is not None:
            norm = getattr(nn, "{}Norm1d".format(normalization.capitalize()))(channels)
        act = None
        if activation is not None:
            act = getattr(nn, activation)()
        add_if_not_none(block, nn.Conv1d(channels, channels, 3, padding=1))
        add_if_not_none(block, norm)
        add_if_not_none(block, act)
        self.block = nn.Sequential(*block)

    def forward(self, x):
        out = self.block(x)
        out += x
        return out


block = Block(4, activation=None)
block(torch.randn(2, 4, 8, requires_grad=True)).sum().backward()
