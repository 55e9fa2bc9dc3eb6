# case: sequential-subclass-relu-output-added-in-place
# source: inplace-lint (the torchvision Conv2dNormActivation / ultralytics Conv2d_BN shape: a subclass of nn.Sequential)
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# A block that derives from nn.Sequential and adds its layers with `super().__init__(...)` and `add_module`: calling
# it runs them in order, so its output is the Sigmoid's, which saved it; the residual add writes it in place.
import torch
import torch.nn as nn


class ConvAct(nn.Sequential):
    def __init__(self, c):
        super().__init__(nn.Conv2d(c, c, 1))
        self.add_module("act", nn.Sigmoid())


class Block(nn.Module):
    def __init__(self, c=2):
        super().__init__()
        self.body = ConvAct(c)

    def forward(self, x):
        out = self.body(x)
        out += x  # error: IPL003
        return out


Block()(torch.randn(1, 2, 3, 3, requires_grad=True)).sum().backward()
