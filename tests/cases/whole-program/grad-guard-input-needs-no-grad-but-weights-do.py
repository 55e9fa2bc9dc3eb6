# case: grad-guard-input-needs-no-grad-but-weights-do
# source: inplace-lint issue #13 (a fast path guarded by the input's requires_grad: the layer's own weight still makes the result require grad)
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"
import torch
from torch import nn


class GatedScale(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(8, 8)

    def forward(self, x):
        if not x.requires_grad:
            h = torch.sigmoid(self.proj(x))
            h.mul_(2)  # error: IPL003
        else:
            h = torch.sigmoid(self.proj(x)) * 2
        return h


GatedScale()(torch.randn(4, 8)).sum().backward()
