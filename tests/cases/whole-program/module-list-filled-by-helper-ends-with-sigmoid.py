# case: module-list-filled-by-helper-ends-with-sigmoid
# source: inplace-lint issue #13 (UNet-style block: layers appended by a helper that skips None, then nn.Sequential(*block))
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"
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
        out += x  # error: IPL003
        return out


Block(4, normalization="batch")(torch.randn(2, 4, 8, requires_grad=True)).sum().backward()
