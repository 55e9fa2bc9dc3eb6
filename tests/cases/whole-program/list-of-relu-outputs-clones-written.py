# case: list-of-relu-outputs-clones-written
# source: inplace-lint issue #13
# expect: clean
# torch: clean
# check: all(p.grad is not None for p in blocks.parameters())

# Features collected in a list by `.append` in a loop: the ReLU outputs are saved for backward, but the list holds
# clones of them, which the in-place additions write.
import torch
import torch.nn as nn

torch.manual_seed(0)
blocks = nn.ModuleList([nn.Sequential(nn.Linear(4, 4), nn.ReLU()) for _ in range(3)])
h = torch.randn(2, 4)
feats = []
for block in blocks:
    h = block(h)
    feats.append(h.clone())
for i in range(len(feats) - 1, 0, -1):
    feats[i - 1] += feats[i]
sum(f.sum() for f in feats).backward()
