# case: sequential-list-extended-by-plus-equals-sigmoid-then-add
# source: inplace-lint issue #13 (nn.Sequential(*layers) of a list extended with +=, as torchvision's make_layers does)
# expect: markers
# torch: raises "which is output 0 of Sigmoid, is at version 1"

import torch
import torch.nn as nn


def gate(dim):
    layers = [nn.Linear(dim, dim)]
    layers += [nn.Sigmoid()]
    return nn.Sequential(*layers)


class Block(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.gate = gate(dim)

    def forward(self, x):
        g = self.gate(x)
        g += x  # error: IPL003
        return g


Block(8)(torch.randn(4, 8)).sum().backward()
