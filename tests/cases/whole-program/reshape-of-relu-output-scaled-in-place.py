# case: reshape-of-relu-output-scaled-in-place
# source: inplace-lint issue #13 (session 10: reshape of a contiguous op result is a view; nflows' pattern)
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"
import torch
from torch import nn


class Head(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(4, 6), nn.ReLU())

    def forward(self, x):
        params = self.net(x).reshape(x.shape[0], 2, 3)  # a view of the ReLU output, which ReLU saved
        params /= 2  # warning: IPL003
        return params


Head()(torch.randn(5, 4)).sum().backward()
