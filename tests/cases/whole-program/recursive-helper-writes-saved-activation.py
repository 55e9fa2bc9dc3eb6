# case: recursive-helper-writes-saved-activation
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# A recursive helper halves a tensor level by level and, at the last level, clamps it in place. Called on the
# output of torch.sigmoid (which saved it for backward), the in-place clamp breaks backward. The recursive call is
# not followed at its call site; the helper's summary (it writes its first parameter in place) is applied there.
import torch


def squash(h, levels):
    if levels == 0:
        h.clamp_(max=0.9)  # error: IPL003
        return
    squash(h, levels - 1)


x = torch.randn(8, requires_grad=True)
h = torch.sigmoid(x)
squash(h, 3)
h.sum().backward()
