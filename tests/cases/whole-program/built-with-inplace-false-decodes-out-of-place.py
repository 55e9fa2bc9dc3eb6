# case: built-with-inplace-false-decodes-out-of-place
# expect: clean
# torch: clean
# check: x.grad is not None and bool(torch.isfinite(x.grad).all())

# A YOLO-style head decodes its sigmoid output in place when `self.inplace` is set (its default), out of place
# otherwise. The model builds it with the `inplace` its own constructor gets, and the program builds the model with
# inplace=False: every head in view decodes out of place, so the sigmoid output it saved is never written.
import torch
import torch.nn as nn


class Head(nn.Module):
    def __init__(self, inplace=True):
        super().__init__()
        self.conv = nn.Linear(4, 4)
        self.inplace = inplace

    def forward(self, x):
        y = self.conv(x).sigmoid()
        if self.inplace:
            y[:, :2] = y[:, :2] * 2.0 - 0.5
        else:
            y = torch.cat((y[:, :2] * 2.0 - 0.5, y[:, 2:]), 1)
        return y


class Model(nn.Module):
    def __init__(self, inplace=True):
        super().__init__()
        self.head = Head(inplace=inplace)

    def forward(self, x):
        return self.head(x)


x = torch.randn(2, 4, requires_grad=True)
Model(inplace=False)(x).sum().backward()
