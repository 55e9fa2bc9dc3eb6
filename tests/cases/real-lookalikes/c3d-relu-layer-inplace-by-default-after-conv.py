# case: c3d-relu-layer-inplace-by-default-after-conv
# source: https://github.com/barkinadiguzel/C3D-Replication/blob/main/src/modules/c3d_block.py
# expect: clean
# torch: clean
# check: x.grad is not None and net[0].conv.conv.weight.grad is not None

# C3DBlock: a Conv3d wrapper, then ReLULayer() -- whose `inplace=True` default is passed on to nn.ReLU -- then an
# optional max-pool. The in-place ReLU overwrites the convolution's output, which Conv3d does not save (it saves
# its input and weight), so backward runs. Layers as in src/layers/; two blocks, sizes reduced.
import torch
import torch.nn as nn


class Conv3DLayer(nn.Module):
    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.conv = nn.Conv3d(in_channels=in_channels, out_channels=out_channels, kernel_size=(3, 3, 3),
                              stride=(1, 1, 1), padding=(1, 1, 1))

    def forward(self, x):
        return self.conv(x)


class ReLULayer(nn.Module):
    def __init__(self, inplace=True):
        super().__init__()
        self.relu = nn.ReLU(inplace=inplace)

    def forward(self, x):
        return self.relu(x)


class Pool3DLayer(nn.Module):
    def __init__(self, kernel_size, stride):
        super().__init__()
        self.pool = nn.MaxPool3d(kernel_size=kernel_size, stride=stride)

    def forward(self, x):
        return self.pool(x)


class C3DBlock(nn.Module):
    def __init__(self, in_c, out_c, pool=False, pool_kernel=(2, 2, 2), pool_stride=(2, 2, 2)):
        super().__init__()
        self.conv = Conv3DLayer(in_c, out_c)
        self.relu = ReLULayer()
        self.pool = Pool3DLayer(pool_kernel, pool_stride) if pool else None

    def forward(self, x):
        x = self.conv(x)
        x = self.relu(x)
        if self.pool:
            x = self.pool(x)
        return x


net = nn.Sequential(C3DBlock(3, 4, pool=True, pool_kernel=(1, 2, 2), pool_stride=(1, 2, 2)), C3DBlock(4, 4))
x = torch.randn(1, 3, 2, 4, 4, requires_grad=True)
net(x).sum().backward()
