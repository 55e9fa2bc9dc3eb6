# case: loop-over-channel-tuple-scales-copy-of-slice
# source: https://github.com/facebookresearch/fairseq/issues/251
# expect: clean
# torch: clean
# check: gate.grad is not None

# The same loop over channel indices, writing into a copy of the encoder output (`out = enc.clone()`) and reading the
# channels from the original: the saved slices of `enc` are never written.
import torch
import torch.nn as nn

gate = nn.Parameter(torch.rand(6))
fc = nn.Linear(6, 6)
enc = fc(torch.randn(2, 5, 6))
out = enc.clone()
for j in (0, 2, 4):
    out[:, :, j] = enc[:, :, j] * gate[j]
out.sum().backward()
