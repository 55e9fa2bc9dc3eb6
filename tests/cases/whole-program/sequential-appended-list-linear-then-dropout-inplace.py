# case: sequential-appended-list-linear-then-dropout-inplace
# source: inplace-lint issue #13 (nn.Sequential(*layers) of a list filled by append)
# expect: clean
# torch: clean
# check: net[1].weight.grad is not None

import torch
import torch.nn as nn


def gated_mlp(dim, p):
    layers = [nn.Sigmoid()]
    layers.append(nn.Linear(dim, dim))
    layers.append(nn.Dropout(p, inplace=True))  # after a Linear, which does not save its output
    return nn.Sequential(*layers)


net = gated_mlp(8, 0.5)
net(torch.randn(4, 8)).sum().backward()
