# case: rk-net-attention-border-zeroed
# source: https://github.com/AggMan96/RK-Net/issues/9
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# The attention map is the output of a ReLU (which saves it); with self.polish on, its border is zeroed in place.
# The module is completed minimally around the four lines quoted in the thread; each of the four writes bumps the
# version of the saved output, so each is marked.
import torch
import torch.nn as nn


class Attention(nn.Module):
    def __init__(self, polish=True):
        super().__init__()
        self.conv = nn.Conv2d(2, 1, 3, padding=1)
        self.relu = nn.ReLU()
        self.polish = polish

    def forward(self, x):
        att = self.relu(self.conv(x))
        if self.polish:
            att[:, :, :, 0] = 0  # error: IPL003
            att[:, :, :, -1] = 0  # error: IPL003
            att[:, :, 0, :] = 0  # error: IPL003
            att[:, :, -1, :] = 0  # error: IPL003
        return x * att


torch.manual_seed(0)
model = Attention()
out = model(torch.rand(2, 2, 5, 5))
out.sum().backward()
