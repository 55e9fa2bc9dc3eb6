# case: checkpoint-instancenorm-inplace-relu
# source: https://github.com/pytorch/pytorch/pull/26607
# expect: clean
# torch: clean
# check: x.grad is not None and y.grad_fn.__class__ is CheckpointFunction._backward_cls

# The bug report that motivated the PR (sublee): InstanceNorm (which makes a view internally) followed by an in-place
# ReLU, inside a checkpoint, lost x's gradient in 2019. In torch 2.13 both of the PR's asserts hold: the in-place ReLU
# runs inside the checkpointed forward, and nothing is written outside it. use_reentrant=True is the checkpoint of
# the time (torch 2.13 wants it explicit); the input has more than one spatial element so that InstanceNorm accepts
# it in training mode.
import torch
import torch.nn as nn
from torch.utils.checkpoint import CheckpointFunction, checkpoint

x = torch.ones(3, 2, 4, requires_grad=True)
with torch.no_grad():
    x.mul_(torch.arange(4.0))
model = nn.Sequential(
    nn.InstanceNorm1d(2),
    nn.ReLU(inplace=True),
)
y = checkpoint(model, x, use_reentrant=True)
y.norm().backward()
