# case: optimizer-training-loop
# expect: clean
# torch: clean
# check: losses[-1] < 0.5 * losses[0]

import torch
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
x = torch.randn(16, 2)
y = x[:, :1] - 2 * x[:, 1:]
losses = []
for step in range(20):
    opt.zero_grad()
    loss = ((model(x) - y) ** 2).mean()
    loss.backward()
    opt.step()
    losses.append(loss.item())
