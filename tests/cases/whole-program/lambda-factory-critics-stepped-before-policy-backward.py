# case: lambda-factory-critics-stepped-before-policy-backward
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# An rlkit-style SAC trainer builds its two Q networks with the same factory, `q_producer=lambda: Mlp(3)`. The policy
# loss goes through both; the Q optimizers step before the policy loss is backpropagated, rewriting weights its graph
# saved.
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

    def step(self, x, actions):
        policy_loss = -torch.min(self.qf1(actions), self.qf2(actions)).mean()
        l1 = self.qf1(x).sum()
        self.opt1.zero_grad()
        l1.backward()
        self.opt1.step()  # error: IPL003
        policy_loss.backward()


actions = torch.randn(2, 3, requires_grad=True)
Trainer(lambda: Mlp(3)).step(torch.randn(2, 3), actions)
