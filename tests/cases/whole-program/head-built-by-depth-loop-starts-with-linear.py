# case: head-built-by-depth-loop-starts-with-linear
# source: inplace-lint issue #13 (the look-alike of head-built-by-depth-loop-starts-with-inplace-relu-on-features: with `act_first=False` the first layer is the Linear, and the in-place ReLU only rewrites the Linear's own output)
# expect: clean
# torch: clean
# check: feats.min().item() < 0
import torch
from torch import nn


def make_head(dims, act_first=True):
    layers = []
    depth = len(dims) - 1
    for i in range(depth):
        if act_first or i > 0:
            layers.append(nn.ReLU(inplace=True))
        layers.append(nn.Linear(dims[i], dims[i + 1]))
    return nn.Sequential(*layers)


torch.manual_seed(0)
backbone = nn.Linear(6, 4)
head = make_head([4, 4, 2], act_first=False)
feats = backbone(torch.randn(5, 6))
logits = head(feats)
loss = logits.logsumexp(-1).mean() + 0.1 * feats.norm(dim=1).mean()
loss.backward()
