# case: e-com-net-second-net-backward-through-stepped-first-net
# source: https://e-com-net.com/article/1605020399454683136.htm
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# A blog post about a training loop with two backward passes: two identical networks Net_1 and
# Net_2 (Linear(1,10) -> F.relu -> Linear(10,1) -> F.softmax), one Adam optimizer each; in every
# iteration the first network is trained on its own loss and stepped, then its prediction
# `pred_n1` (not detached) is fed to the second network, whose loss is backpropagated. The post
# quotes the error "[torch.FloatTensor [10, 1]], which is output 0 of AsStridedBackward0, is at
# version 2; expected version 1". Completed: the excerpt shows `loss_n1.backward()`; the post says
# the graph of the first backward was kept, and that error (rather than "Trying to backward
# through the graph a second time") only appears with `retain_graph=True`, so it is written here.
# The loop is reduced from 10 iterations to 2. `optimizer_n1.step()` rewrites linear_2's weight,
# which the graph behind `pred_n1` saved, and `loss_n2.backward()` reaches that graph.

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
    loss_n1.backward(retain_graph=True)
    optimizer_n1.step()  # error: IPL003
    pred_n2 = n_2(pred_n1)
    optimizer_n2.zero_grad()
    loss_n2 = criterion(y, pred_n2)
    loss_n2.backward()
    optimizer_n2.step()
