# case: inplace-on-output-after-backward
# expect: clean
# torch: clean
# check: model[0].weight.grad is not None and bool(((probs >= 0.2) & (probs <= 1.0)).all())

import torch
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(3, 2), nn.Sigmoid())
x = torch.randn(4, 3)
probs = model(x)
loss = -probs[:, 0].log().mean()
loss.backward()
probs.detach().clamp_(0.2, 0.8)
probs[probs > 0.7] = 1.0
