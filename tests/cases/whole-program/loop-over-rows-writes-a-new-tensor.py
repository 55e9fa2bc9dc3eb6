# case: loop-over-rows-writes-a-new-tensor
# expect: clean
# torch: clean
# check: preds.grad is not None

# The score of loop-over-rows-writes-the-tensor-iterated writing each scaled row into a new tensor: the rows being
# iterated are views of `dist`, which nothing writes.
import torch


def score(inputs, targets, pos_factor=10.0, neg_factor=-13.0):
    dist = inputs - targets
    scaled = torch.empty_like(dist)
    for i, d in enumerate(dist):
        scaled[i] = (d / neg_factor) if d < 0 else (d / pos_factor)
    return (torch.exp(scaled) - 1).sum()


preds = torch.randn(4, requires_grad=True)
score(preds, torch.randn(4)).backward()
