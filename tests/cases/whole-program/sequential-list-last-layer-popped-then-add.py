# case: sequential-list-last-layer-popped-then-add
# source: inplace-lint issue #13 (nn.Sequential(*layers) of a list changed by pop: its last layer is no longer the Sigmoid)
# expect: clean
# torch: clean
# check: block.gate[0].weight.grad is not None

import torch
import torch.nn as nn


def gate(dim):
    layers = [nn.Linear(dim, dim), nn.Sigmoid()]
    layers += [nn.Linear(dim, dim)]
    layers.pop(1)  # the Sigmoid goes: the sequence ends with a Linear
    return nn.Sequential(*layers)


class Block(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.gate = gate(dim)

    def forward(self, x):
        g = self.gate(x)
        g += x  # a Linear's output: saved by nothing
        return g


block = Block(8)
block(torch.randn(4, 8)).sum().backward()
