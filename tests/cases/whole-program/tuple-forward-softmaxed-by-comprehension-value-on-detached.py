# case: tuple-forward-softmaxed-by-comprehension-value-on-detached
# source: inplace-lint issue #13 (the look-alike of tuple-forward-softmaxed-by-comprehension-step-before-value-backward: the value loss is computed on detached generator outputs, so its backward does not reach the stepped weights)
# expect: clean
# torch: clean
# check: solver.V.weight.grad is not None
import torch
import torch.nn.functional as F
from torch import nn


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(4, 16), nn.Tanh())
        self.edges = nn.Linear(16, 6)
        self.nodes = nn.Linear(16, 6)

    def forward(self, z):
        h = self.body(z)
        return self.edges(h), self.nodes(h)


class Solver:
    def __init__(self):
        self.batch_size, self.n_critic = 3, 1
        self.G = Generator()
        self.V = nn.Linear(12, 1)
        self.g_optimizer = torch.optim.Adam(self.G.parameters(), 1e-3)
        self.v_optimizer = torch.optim.Adam(self.V.parameters(), 1e-3)

    def postprocess(self, inputs, temperature=1.0):
        return [F.softmax(e / temperature, -1) for e in inputs]

    def train_step(self, step=0):
        edges, nodes = self.G(torch.randn(self.batch_size, 4))
        edges_hat, nodes_hat = self.postprocess((edges, nodes))
        loss_g = -self.V(torch.cat([edges_hat, nodes_hat], dim=1)).mean()
        value = self.V(torch.cat([edges_hat.detach(), nodes_hat.detach()], dim=1))
        loss_v = (value - 1).pow(2).mean()
        if step % self.n_critic == 0:
            loss_g.backward()
            self.g_optimizer.step()
        if step % self.n_critic == 0:
            self.v_optimizer.zero_grad()
            loss_v.backward()
            self.v_optimizer.step()


solver = Solver()
solver.train_step()
