# case: load-state-dict-after-backward
# source: inplace-lint issue #13 (look-alike: the weights are restored after the backward that needed them)
# expect: clean
# torch: clean
# check: all(p.grad is not None for p in model.parameters())
import copy

import torch
from torch import nn

model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
saved = copy.deepcopy(model.state_dict())
loss = model(torch.randn(3, 4)).pow(2).mean()
loss.backward()
model.load_state_dict(saved)
