# case: twin-critics-step-one-backward-the-other
# source: inplace-lint issue #13 (session 10: two instances of one class hold their own layers -- the SAC twin critics of rlkit/gdrl, the right way round)
# expect: clean
# torch: clean
# check: q2.layers[0].weight.grad is not None
import torch
from torch import nn


class Critic(nn.Module):
    def __init__(self, sizes=(4, 8, 8, 1)):
        super().__init__()
        layers = []
        for a, b in zip(sizes, sizes[1:]):
            layers += [nn.Linear(a, b), nn.ReLU()]
        self.layers = nn.Sequential(*layers[:-1])

    def forward(self, x):
        return self.layers(x)


q1, q2 = Critic(), Critic()
opt1 = torch.optim.SGD(q1.parameters(), lr=0.1)
x = torch.randn(5, 4)
loss1 = q1(x).pow(2).mean()
loss2 = q2(x).pow(2).mean()  # q2's graph saved q2's weights, not q1's
opt1.zero_grad()
loss1.backward()
opt1.step()  # writes q1's weights only
loss2.backward()
