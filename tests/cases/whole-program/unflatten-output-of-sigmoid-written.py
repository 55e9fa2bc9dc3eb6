# case: unflatten-output-of-sigmoid-written
# source: inplace-lint issue #13 (the GAP generator ends in Tanh then Unflatten; nn.Unflatten returns a view)
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"
import torch
from torch import nn

net = nn.Sequential(nn.Linear(2, 4), nn.Sigmoid(), nn.Unflatten(1, (2, 2)))
out = net(torch.randn(3, 2))
out.mul_(2)  # error: IPL003
out.sum().backward()
