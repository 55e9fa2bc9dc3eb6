# case: densenet-layer-norm-relu-conv
# expect: clean
# torch: clean
# check: out.shape == (2, 3, 4, 4) and torch.equal(out[:, :2], x.detach()) and x.grad is not None

import torch
from torch import nn


class DenseLayer(nn.Module):
    def __init__(self, channels, growth):
        super().__init__()
        self.norm1 = nn.BatchNorm2d(channels)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv1 = nn.Conv2d(channels, growth, 3, padding=1, bias=False)

    def forward(self, x):
        new_features = self.conv1(self.relu1(self.norm1(x)))
        return torch.cat([x, new_features], 1)


torch.manual_seed(0)
layer = DenseLayer(2, 1)
x = torch.randn(2, 2, 4, 4, requires_grad=True)
out = layer(x)
out.sum().backward()
