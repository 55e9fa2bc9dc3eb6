# case: list-of-relu-outputs-written
# source: inplace-lint issue #13
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# Features collected in a list by `.append` in a loop are ReLU outputs, saved for backward: the in-place additions
# into the list's elements write them.
import torch
import torch.nn as nn

torch.manual_seed(0)
blocks = nn.ModuleList([nn.Sequential(nn.Linear(4, 4), nn.ReLU()) for _ in range(3)])
h = torch.randn(2, 4)
feats = []
for block in blocks:
    h = block(h)
    feats.append(h)
for i in range(len(feats) - 1, 0, -1):
    feats[i - 1] += feats[i]  # error: IPL003
sum(f.sum() for f in feats).backward()
