# case: lambda-factory-critics-each-stepped-after-own-backward
# expect: clean
# torch: clean
# check: all(p.grad is not None for p in t.qf2.parameters())

# The trainer of lambda-factory-critics-stepped-before-policy-backward with no policy loss: each Q network, built by
# the same factory `q_producer=lambda: Mlp(3)`, is a network of its own, and stepping the first one's optimizer
# leaves the second one's graph intact.
import torch
import torch.nn as nn


class Mlp(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.a = nn.Linear(n, 4)
        self.b = nn.Linear(4, 1)

    def forward(self, x):
        return self.b(torch.relu(self.a(x)))


class Trainer:
    def __init__(self, q_producer):
        self.qf1 = q_producer()
        self.qf2 = q_producer()
        self.opt1 = torch.optim.Adam(self.qf1.parameters())
        self.opt2 = torch.optim.Adam(self.qf2.parameters())

    def step(self, x):
        l1 = self.qf1(x).sum()
        l2 = self.qf2(x).sum()
        self.opt1.zero_grad()
        l1.backward()
        self.opt1.step()
        self.opt2.zero_grad()
        l2.backward()
        self.opt2.step()


t = Trainer(lambda: Mlp(3))
t.step(torch.randn(2, 3))
