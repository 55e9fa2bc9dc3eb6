# case: loop-over-channel-tuple-scales-saved-slice-in-place
# source: https://github.com/facebookresearch/fairseq/issues/251
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# A loop over a tuple of channel indices written in the loop (`for j in (0, 2, 4)`) rewrites each channel of the
# encoder output with a gated copy of itself: the product saved the channel slice it reads, and the item assignment
# writes that same slice.
import torch
import torch.nn as nn

gate = nn.Parameter(torch.rand(6))
fc = nn.Linear(6, 6)
enc = fc(torch.randn(2, 5, 6))
for j in (0, 2, 4):
    enc[:, :, j] = enc[:, :, j] * gate[j]  # error: IPL003
enc.sum().backward()
