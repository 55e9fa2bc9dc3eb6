# case: espnet-reversible-instance-norm-std-shifted-in-place
# source: https://github.com/espnet/espnet/blob/master/espnet2/asr/state_spaces/components.py
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# espnet 202511's ReversibleInstanceNorm1dInput.forward: `self.s, self.m = torch.std_mean(x, ...)` then
# `self.s += 1e-4`. `std_mean` saves its outputs for backward, and the `+=` writes the std in place: backward raises
# when `x` requires grad (the layer placed after a trainable one, as here). Applied to raw data (nothing requiring
# grad) it runs clean: the finding states that assumption.
import torch
from torch import nn


class ReversibleInstanceNorm1dInput(nn.Module):
    def __init__(self, d, transposed=False):
        super().__init__()
        self.transposed = transposed
        self.norm = nn.InstanceNorm1d(d, affine=True, track_running_stats=False)

    def forward(self, x):
        if not self.transposed:
            x = x.transpose(-1, -2)
        self.s, self.m = torch.std_mean(x, dim=-1, unbiased=False, keepdim=True)
        self.s += 1e-4  # error: IPL003
        x = (x - self.m) / self.s
        if not self.transposed:
            return x.transpose(-1, -2)
        return x


torch.manual_seed(0)
encoder = nn.Linear(3, 3)
x = encoder(torch.randn(2, 5, 3))
ReversibleInstanceNorm1dInput(3)(x).sum().backward()
