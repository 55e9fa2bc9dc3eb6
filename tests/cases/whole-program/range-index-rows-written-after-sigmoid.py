# case: range-index-rows-written-after-sigmoid
# source: inplace-lint issue #13 (the GAP report's loop `delta_im[i, ci, :, :].data *= ...`, with a plain in-place op)
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# `i` runs over range(...): an int, so `h[i]` is a view of the sigmoid output (basic indexing), and scaling it in
# place bumps the version of what sigmoid saved.
import torch

x = torch.randn(3, 4, requires_grad=True)
h = torch.sigmoid(x)
for i in range(3):
    h[i].mul_(0.5)  # error: IPL003
h.sum().backward()
