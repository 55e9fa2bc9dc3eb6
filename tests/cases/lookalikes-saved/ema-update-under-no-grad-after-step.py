# case: ema-update-under-no-grad-after-step
# expect: clean
# torch: clean
# check: not torch.equal(ema.weight, model.weight) and ema.weight.grad is None

import copy

import torch
from torch import nn

torch.manual_seed(0)
model = nn.Linear(3, 1)
ema = copy.deepcopy(model)
for p in ema.parameters():
    p.requires_grad_(False)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
x = torch.randn(4, 3)
for _ in range(3):
    opt.zero_grad()
    out = torch.sigmoid(model(x))
    out.sum().backward()
    opt.step()
    with torch.no_grad():
        for pe, pm in zip(ema.parameters(), model.parameters()):
            pe.mul_(0.9).add_(pm, alpha=0.1)
