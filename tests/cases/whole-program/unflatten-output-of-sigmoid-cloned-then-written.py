# case: unflatten-output-of-sigmoid-cloned-then-written
# source: inplace-lint issue #13 (look-alike: the view is cloned before the in-place op)
# expect: clean
# torch: clean
# check: net[0].weight.grad is not None
import torch
from torch import nn

net = nn.Sequential(nn.Linear(2, 4), nn.Sigmoid(), nn.Unflatten(1, (2, 2)))
out = net(torch.randn(3, 2)).clone()
out.mul_(2)
out.sum().backward()
