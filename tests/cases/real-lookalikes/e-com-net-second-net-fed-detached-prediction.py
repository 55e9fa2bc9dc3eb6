# case: e-com-net-second-net-fed-detached-prediction
# source: https://e-com-net.com/article/1605020399454683136.htm
# expect: clean
# torch: clean
# check: torch.allclose(n_1.linear_2.weight.grad, g_n1) and n_2.linear_2.weight.grad is not None

# The same two-network loop as the blog post, with the fix for it: the second network is fed
# `pred_n1.detach()`, so `loss_n2.backward()` stops at the prediction and never reaches the graph
# of the first network, whose weights `optimizer_n1.step()` has just rewritten; no
# `retain_graph=True` is needed any more. `g_n1` (a copy of the first network's gradient right
# after its own backward) is only added for the check: the second backward must not change it.

import torch
from torch import nn as nn
from torch.nn import functional as F
from torch import optim

torch.manual_seed(0)


class Net_1(nn.Module):
    def __init__(self):
        super(Net_1, self).__init__()
        self.linear_1 = nn.Linear(1, 10)
        self.linear_2 = nn.Linear(10, 1)

    def forward(self, x):
        x = self.linear_1(x)
        x = F.relu(x)
        x = self.linear_2(x)
        x = F.softmax(x, dim=1)
        return x


class Net_2(nn.Module):
    def __init__(self):
        super(Net_2, self).__init__()
        self.linear_1 = nn.Linear(1, 10)
        self.linear_2 = nn.Linear(10, 1)

    def forward(self, x):
        x = self.linear_1(x)
        x = F.relu(x)
        x = self.linear_2(x)
        x = F.softmax(x, dim=1)
        return x


n_1 = Net_1()
n_2 = Net_2()
optimizer_n1 = optim.Adam(n_1.parameters(), lr=0.001)
optimizer_n2 = optim.Adam(n_2.parameters(), lr=0.001)
criterion = nn.MSELoss()

for i in range(2):
    x = torch.randn(10, 1).float()
    y = 2 * x
    pred_n1 = n_1(x)
    optimizer_n1.zero_grad()
    loss_n1 = criterion(y, pred_n1)
    loss_n1.backward()
    g_n1 = n_1.linear_2.weight.grad.clone()
    optimizer_n1.step()
    pred_n2 = n_2(pred_n1.detach())
    optimizer_n2.zero_grad()
    loss_n2 = criterion(y, pred_n2)
    loss_n2.backward()
    optimizer_n2.step()
