# case: sequential-of-alike-blocks-dropout-p0-residual-add
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# A stack built as `nn.Sequential(*[Block(c) for _ in range(n)])`, as StarGANv2-VC's ASR model builds its CNN: each
# block's body ends in a ReLU and a dropout whose probability is left at 0.0, which returns its input itself, so the
# block's output is the ReLU's output (saved by it) and the block adds its input into it in place.
import torch
from torch import nn


class Block(nn.Module):
    def __init__(self, c, p=0.0):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(c, c), nn.ReLU(), nn.Dropout(p))

    def forward(self, x):
        res = x
        x = self.body(x)
        x += res  # error: IPL003
        return x


stack = nn.Sequential(*[Block(4) for _ in range(3)])
stack(torch.randn(2, 4)).sum().backward()
