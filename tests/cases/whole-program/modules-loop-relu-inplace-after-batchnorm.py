# case: modules-loop-relu-inplace-after-batchnorm
# source: the torchvision idiom of switching ReLUs to in-place after building (conv, batch norm, ReLU blocks)
# expect: clean
# torch: clean
# check: net.features[0].weight.grad is not None

import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU(), nn.Conv2d(8, 8, 3),
                                      nn.BatchNorm2d(8), nn.ReLU())
        for m in self.modules():
            if isinstance(m, nn.ReLU):
                m.inplace = True

    def forward(self, x):
        return self.features(x).mean()


net = Net()
net(torch.randn(2, 3, 8, 8)).backward()
