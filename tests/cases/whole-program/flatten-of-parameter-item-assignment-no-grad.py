# case: flatten-of-parameter-item-assignment-no-grad
# source: inplace-lint issue #13 (the look-alike of flatten-of-parameter-item-assignment: the write is under no_grad)
# expect: clean
# torch: clean
# check: float(conv.weight.detach().flatten()[0]) == 0.0
import torch
from torch import nn


def zero_first(weight):
    flat = weight.flatten()
    with torch.no_grad():
        flat[0] = 0.0


conv = nn.Conv2d(2, 2, 3)
zero_first(conv.weight)
