# case: noisy-buffers-two-instances-and-target-copy
# source: inplace-lint (the NoisyLinear of https://github.com/PacktPublishing/Deep-Reinforcement-Learning-Hands-On-Second-Edition/issues/21)
# expect: clean
# torch: clean
# check: all(p.grad is not None for p in net.parameters())

# Each NoisyLinear redraws its own noise buffer in place at each forward. Two instances in one model have two
# buffers, and a target network made by copy.deepcopy has buffers of its own: one forward of each, then backward,
# overwrites nothing a graph still needs.
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F


class NoisyLinear(nn.Linear):
    def __init__(self, n_in, n_out):
        super().__init__(n_in, n_out)
        self.sigma = nn.Parameter(torch.full((n_out, n_in), 0.017))
        self.register_buffer("eps", torch.zeros(n_out, n_in))

    def forward(self, x):
        self.eps.normal_()
        return F.linear(x, self.weight + self.sigma * self.eps, self.bias)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.val = NoisyLinear(4, 1)
        self.adv = NoisyLinear(4, 3)

    def forward(self, x):
        return self.val(x) + self.adv(x)


torch.manual_seed(0)
net = Net()
tgt = copy.deepcopy(net)
q = net(torch.randn(2, 4))
with torch.no_grad():
    q_next = tgt(torch.randn(2, 4))
((q - q_next) ** 2).mean().backward()
