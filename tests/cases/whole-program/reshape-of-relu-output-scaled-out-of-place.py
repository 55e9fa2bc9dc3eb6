# case: reshape-of-relu-output-scaled-out-of-place
# source: inplace-lint issue #13 (the look-alike of reshape-of-relu-output-scaled-in-place: the scale is out of place)
# expect: clean
# torch: clean
# check: head.net[0].weight.grad is not None
import torch
from torch import nn


class Head(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(4, 6), nn.ReLU())

    def forward(self, x):
        params = self.net(x).reshape(x.shape[0], 2, 3)
        params = params / 2
        return params


head = Head()
head(torch.randn(5, 4)).sum().backward()
