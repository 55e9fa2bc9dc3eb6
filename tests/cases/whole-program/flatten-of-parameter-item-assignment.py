# case: flatten-of-parameter-item-assignment
# source: inplace-lint issue #13 (session 10: flatten/reshape of a Parameter is a view of it)
# expect: markers
# torch: raises "a view of a leaf Variable that requires grad is being used in an in-place operation"
from torch import nn


def zero_first(weight):
    flat = weight.flatten()
    flat[0] = 0.0  # error: IPL002


conv = nn.Conv2d(2, 2, 3)
zero_first(conv.weight)
