# case: head-built-by-depth-loop-starts-with-inplace-relu-on-features
# source: inplace-lint issue #13 (the shape of https://github.com/KevinMusgrave/powerful-benchmarker/issues/78: layers appended in a loop over `range(len(dims) - 1)`, an in-place ReLU before a Linear when `act_first or i > 0`; the head is applied to features the caller reads again)
# expect: markers
# torch: clean
# check: feats.min().item() >= 0
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
head = make_head([4, 4, 2])
feats = backbone(torch.randn(5, 6))
logits = head(feats)  # error: IPL008
loss = logits.logsumexp(-1).mean() + 0.1 * feats.norm(dim=1).mean()
loss.backward()
