# case: rk-net-attention-border-zeroed-on-clone
# source: https://github.com/AggMan96/RK-Net/issues/9
# expect: clean
# torch: clean
# check: model.conv.weight.grad is not None and float(out.detach()[:, :, 0, :].abs().sum()) == 0

# The fix from the thread: `att = att.clone()` under `if self.polish:` before the border is zeroed.
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
            att = att.clone()
            att[:, :, :, 0] = 0
            att[:, :, :, -1] = 0
            att[:, :, 0, :] = 0
            att[:, :, -1, :] = 0
        return x * att


torch.manual_seed(0)
model = Attention()
out = model(torch.rand(2, 2, 5, 5))
out.sum().backward()
