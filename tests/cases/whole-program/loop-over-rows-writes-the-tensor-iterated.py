# case: loop-over-rows-writes-the-tensor-iterated
# expect: markers
# torch: raises "is a view and its base or another view of its base has been modified inplace"

# A piecewise score (rul-adapt's RUL score before its PR #11): `for i, d in enumerate(dist)` iterates the rows of
# `dist`, views that one `unbind` made, and `dist[i] = ...` writes `dist` itself; the next row used raises.
import torch


def score(inputs, targets, pos_factor=10.0, neg_factor=-13.0):
    dist = inputs - targets
    for i, d in enumerate(dist):
        dist[i] = (d / neg_factor) if d < 0 else (d / pos_factor)  # error: IPL009
    return (torch.exp(dist) - 1).sum()


preds = torch.randn(4, requires_grad=True)
score(preds, torch.randn(4)).backward()
