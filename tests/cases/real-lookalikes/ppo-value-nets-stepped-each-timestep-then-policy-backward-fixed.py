# case: ppo-value-nets-stepped-each-timestep-then-policy-backward-fixed
# source: https://devgem.vercel.app/posts/how-to-fix-the-runtimeerror-trying-to-backward-through-the-graph-a-second-time-error-in-proximal-policy-optimization-ppo
# expect: clean
# torch: clean
# check: all(p.grad is not None and torch.isfinite(p.grad).all() for p in policy.parameters())

# The usual fix for this loop: the advantage is detached before it enters the surrogate,
# so the policy's backward never reaches the value nets the per-step sgd updated.
import torch
import torch.nn as nn


class ValueFunction(nn.Module):
    def __init__(self, in_dim):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(in_dim, 8), nn.Tanh(), nn.Linear(8, 1))
        self.optimizer = torch.optim.SGD(self.parameters(), lr=0.01)

    def forward(self, x):
        return self.net(x)

    def mse_loss(self, pred, target):
        return ((pred - target) ** 2).mean()

    def sgd(self, loss):
        self.optimizer.zero_grad()
        loss.backward(retain_graph=True)
        self.optimizer.step()


class PolicyNetwork(nn.Module):
    def __init__(self, obs_dim, n_actions):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(obs_dim, 8), nn.Tanh(), nn.Linear(8, n_actions))
        self.optimizer = torch.optim.Adam(self.parameters(), lr=1e-3)

    def forward(self, s):
        return torch.softmax(self.net(s), dim=-1)

    def clipped_surrogate(self, prob, old_prob, advantage, eps=0.2):
        ratio = prob / old_prob
        return torch.min(ratio * advantage, torch.clamp(ratio, 1 - eps, 1 + eps) * advantage)

    def sga(self, surrogates):
        self.optimizer.zero_grad()
        loss = -torch.stack(surrogates).mean()
        loss.backward()
        self.optimizer.step()


torch.manual_seed(0)
obs_dim, n_actions = 3, 2
policy = PolicyNetwork(obs_dim, n_actions)
V = ValueFunction(obs_dim)
Q = ValueFunction(obs_dim + 1)

surrogates = []
for t in range(3):
    s = torch.randn(obs_dim)
    probs = policy(s)
    a = torch.multinomial(probs, 1)
    old_prob = probs[a].detach()
    reward = torch.randn(1)
    v = V(s)
    q = Q(torch.cat([s, a.float()]))
    advantage = (q - v).detach()
    surrogates.append(policy.clipped_surrogate(probs[a], old_prob, advantage))
    V.sgd(V.mse_loss(v, reward))
    Q.sgd(Q.mse_loss(q, reward))

policy.sga(surrogates)
