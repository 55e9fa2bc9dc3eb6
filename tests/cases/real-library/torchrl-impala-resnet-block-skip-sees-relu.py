# case: torchrl-impala-resnet-block-skip-sees-relu
# source: https://github.com/pytorch/rl/blob/main/torchrl/modules/models/recipes/impala.py
# expect: markers
# torch: clean
# check: not torch.allclose(out, reference) and torch.allclose(out, expected_with_relu_skip)

# torchrl 0.14.1's IMPALA residual block (`_ResNetBlock` as in the library). `self.seq` starts with
# `nn.ReLU(inplace=True)`, so `self.seq(x)` rectifies the very tensor `x` holds before `x + ...` reads it: the skip
# connection adds relu(x), not x as in the IMPALA paper's block (and in the same block built with inplace=False).
# No error, different outputs and gradients. `_ConvNetBlock` feeds it a max-pooled convolution, which has negative
# values, so the difference is real in the library's network.
import torch
import torch.nn as nn


class _ResNetBlock(nn.Module):
    def __init__(self, num_ch):
        super().__init__()
        resnet_block = []
        resnet_block.append(nn.ReLU(inplace=True))
        resnet_block.append(nn.LazyConv2d(out_channels=num_ch, kernel_size=3, stride=1, padding=1))
        resnet_block.append(nn.ReLU(inplace=True))
        resnet_block.append(nn.Conv2d(in_channels=num_ch, out_channels=num_ch, kernel_size=3, stride=1, padding=1))
        self.seq = nn.Sequential(*resnet_block)

    def forward(self, x):
        return x + self.seq(x)  # error: IPL008


torch.manual_seed(0)
block = _ResNetBlock(4)
features = torch.randn(2, 4, 6, 6)
block(features.clone())  # materialise the lazy convolution
out = block(features.clone())
with torch.no_grad():
    branch = nn.Sequential(nn.ReLU(), *list(block.seq)[1:2], nn.ReLU(), *list(block.seq)[3:])
    reference = features + branch(features)
    expected_with_relu_skip = torch.relu(features) + branch(features)
