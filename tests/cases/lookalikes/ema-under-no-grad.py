# case: ema-under-no-grad
# expect: clean
# torch: clean
# check: torch.allclose(ema.bias, model.bias - 0.9)

import copy

import torch

torch.manual_seed(0)
model = torch.nn.Linear(2, 2)
ema = copy.deepcopy(model)
with torch.no_grad():
    for p in model.parameters():
        p.add_(1.0)
    for e, p in zip(ema.parameters(), model.parameters()):
        e.mul_(0.9).add_(p, alpha=0.1)
