# case: critic-step-every-n-then-generator-backward-through-old-scores
# source: inplace-lint (the shape of https://github.com/manuelfritsche/real-world-sr/issues/18, reduced)
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# The critic steps under `if step % n_critic == 0:`, then the generator's loss is built from the critic scores
# computed before that step: on the passes where the critic stepped, backward finds its weights changed.
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
    fake_score = critic(fake)
    real_score = critic(torch.randn(3, 4))
    if step % n_critic == 0:
        opt_c.zero_grad()
        (fake_score.mean() - real_score.mean()).backward(retain_graph=True)
        opt_c.step()  # error: IPL003
    opt_g.zero_grad()
    (-fake_score.mean()).backward()
    opt_g.step()
