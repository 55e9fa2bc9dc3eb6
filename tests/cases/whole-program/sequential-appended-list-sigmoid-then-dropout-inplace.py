# case: sequential-appended-list-sigmoid-then-dropout-inplace
# source: inplace-lint issue #13 (nn.Sequential(*layers) of a list filled by append)
# expect: markers
# torch: raises "which is output 0 of Sigmoid, is at version 1"

import torch
import torch.nn as nn


def gated_mlp(dim, p):
    layers = [nn.Linear(dim, dim)]
    layers.append(nn.Sigmoid())
    layers.append(nn.Dropout(p, inplace=True))  # error: IPL003
    return nn.Sequential(*layers)


net = gated_mlp(8, 0.5)
net(torch.randn(4, 8)).sum().backward()
