# case: grad-guard-input-needs-no-grad-no-weights
# source: inplace-lint issue #13 (the look-alike of grad-guard-input-needs-no-grad-but-weights-do: nothing but the input feeds the sigmoid, so when the input does not require grad nothing is saved)
# expect: clean
# torch: clean
# check: x.grad is not None and torch.allclose(x.grad, 2 * torch.sigmoid(x) * (1 - torch.sigmoid(x)))
import torch
from torch import nn


class Scale(nn.Module):
    def forward(self, x):
        if not x.requires_grad:
            h = torch.sigmoid(x)
            h.mul_(2)
        else:
            h = torch.sigmoid(x) * 2
        return h


x = torch.randn(4, 8, requires_grad=True)
Scale()(x).sum().backward()
with torch.no_grad():
    fast = Scale()(x.detach())
