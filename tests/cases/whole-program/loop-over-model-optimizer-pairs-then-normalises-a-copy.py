# case: loop-over-model-optimizer-pairs-then-normalises-a-copy
# source: https://github.com/pytorch/vision/issues/217
# expect: clean
# torch: clean
# check: torch.allclose(model.weight.detach(), before)

# A training step run for a model and its reference copy by a loop over a literal tuple of (model, optimizer) pairs;
# a copy of the model's weight (`weight.detach().clone()`) is then normalised in place by a helper: the trained
# weights stay as they were.
import copy

import torch
import torch.nn as nn


def normalise_(t):
    t.sub_(t.min()).div_(t.max() - t.min() + 1e-5)


torch.manual_seed(0)
model = nn.Linear(4, 2)
ref = copy.deepcopy(model)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
opt_ref = torch.optim.SGD(ref.parameters(), lr=0.1)
x = torch.randn(3, 4)
for m, o in ((model, opt), (ref, opt_ref)):
    o.zero_grad()
    m(x).sum().backward()
    o.step()
before = model.weight.detach().clone()
snapshot = normalise_(model.weight.detach().clone())
