# case: nn-init-then-train-step
# expect: clean
# torch: clean
# check: all(p.grad is not None and p.is_leaf for p in model.parameters()) and float(model[0].bias.detach().abs().sum()) == 0.0

import torch
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(inplace=True), nn.Linear(4, 1))
for m in model.modules():
    if isinstance(m, nn.Linear):
        nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        nn.init.constant_(m.bias, 0.0)
x = torch.randn(5, 3)
loss = model(x).pow(2).mean()
loss.backward()
