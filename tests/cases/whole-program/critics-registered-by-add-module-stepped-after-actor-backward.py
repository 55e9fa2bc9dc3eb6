# case: critics-registered-by-add-module-stepped-after-actor-backward
# source: inplace-lint issue #13 (held-out set 9: the same, with the actor's loss built after the critic step)
# expect: clean
# torch: clean
# check: all(p.grad is not None for p in actor.parameters())
import torch
from torch.nn import Linear, Module


class Critic(Module):
    def __init__(self):
        super().__init__()
        self.nets = []
        for i in range(2):
            net = Linear(3, 1)
            self.add_module(f'qf{i}', net)
            self.nets.append(net)

    def forward(self, s):
        return torch.stack(tuple(net(s) for net in self.nets), dim=1)


torch.manual_seed(0)
actor = Linear(3, 3)
critic = Critic()
opt_c = torch.optim.Adam(critic.parameters())
opt_a = torch.optim.Adam(actor.parameters())
s = torch.randn(4, 3)
critic_loss = critic(s).pow(2).mean()
opt_c.zero_grad()
critic_loss.backward()
opt_c.step()
actor_loss = critic(actor(s)).mean()
opt_a.zero_grad()
actor_loss.backward()
opt_a.step()
