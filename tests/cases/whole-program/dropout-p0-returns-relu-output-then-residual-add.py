# case: dropout-p0-returns-relu-output-then-residual-add
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# A residual block whose body ends in `nn.Dropout(p=p)` with p left at 0.0 (StarGANv2-VC's ASR ConvBlock builds
# its blocks so): a dropout of probability 0 returns its input itself, so the block's output is the ReLU's output,
# which ReLU saved for backward, and `x += res` writes it.
import torch
from torch import nn


class Block(nn.Module):
    def __init__(self, p=0.0):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Dropout(p=p))

    def forward(self, x):
        res = x
        x = self.body(x)
        x += res  # error: IPL003
        return x


Block()(torch.randn(2, 4, requires_grad=True)).sum().backward()
