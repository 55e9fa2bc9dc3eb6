# case: graphs-kept-in-a-list-with-detached-values
# source: inplace-lint issue #13 (held-out set 9: the same with the value detached from the kept graphs)
# expect: clean
# torch: clean
# check: policy.weight.grad is not None
import torch
import torch.nn as nn


class ValueFunction(nn.Module):
    def __init__(self, in_dim):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(in_dim, 8), nn.Tanh(), nn.Linear(8, 1))
        self.optimizer = torch.optim.SGD(self.parameters(), lr=0.01)

    def forward(self, x):
        return self.net(x)

    def sgd(self, loss):
        self.optimizer.zero_grad()
        loss.backward(retain_graph=True)
        self.optimizer.step()


torch.manual_seed(0)
V = ValueFunction(3)
policy = nn.Linear(3, 1)
advantages = []
for t in range(2):
    s = torch.randn(3)
    v = V(s)
    advantages.append(policy(s) * (1.0 - v.detach()))
    V.sgd((v - 1.0).pow(2).mean())
torch.stack(advantages).sum().backward()
