# case: critic-step-every-n-then-generator-scores-computed-again
# source: inplace-lint (the look-alike of critic-step-every-n-then-generator-backward-through-old-scores)
# expect: clean
# torch: clean
# check: all(p.grad is not None for p in gen.parameters())

# The generator's loss uses critic scores computed after the critic's step.
import sys

import torch
import torch.nn as nn

torch.manual_seed(0)
gen = nn.Sequential(nn.Linear(2, 4), nn.Tanh())
critic = nn.Sequential(nn.Linear(4, 8), nn.LeakyReLU(0.2), nn.Linear(8, 1))
opt_g = torch.optim.Adam(gen.parameters(), lr=1e-3)
opt_c = torch.optim.Adam(critic.parameters(), lr=1e-3)
n_critic = max(1, len(sys.argv))  # (not known to the analysis)

for step in range(2):
    fake = gen(torch.randn(3, 2))
    if step % n_critic == 0:
        fake_score = critic(fake.detach())
        real_score = critic(torch.randn(3, 4))
        opt_c.zero_grad()
        (fake_score.mean() - real_score.mean()).backward()
        opt_c.step()
    opt_g.zero_grad()
    (-critic(fake).mean()).backward()
    opt_g.step()
