# case: load-state-dict-between-forward-and-backward
# source: inplace-lint issue #13 (weights restored with load_state_dict before the backward of a loss they built)
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"
import copy

import torch
from torch import nn

model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
saved = copy.deepcopy(model.state_dict())
loss = model(torch.randn(3, 4)).pow(2).mean()
model.load_state_dict(saved)  # error: IPL003
loss.backward()
