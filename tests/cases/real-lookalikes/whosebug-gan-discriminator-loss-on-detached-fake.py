# case: whosebug-gan-discriminator-loss-on-detached-fake
# source: https://whosebug.com/question/5232549/How-does-PyTorch-s-loss-backward-work-when-retain-graph-True-is-specified
# expect: clean
# torch: clean
# check: all(torch.allclose(p.grad, r) for p, r in zip(discriminator.parameters(), ref_d))

# The fix the answer gives for the generator-first GAN loop of the question: the discriminator
# loss is computed on `fake.detach()`, so it no longer backpropagates into the generator and no
# `retain_graph=True` is needed; the generator's optimizer step before `loss_d.backward()` then
# touches nothing that graph saved. Same completed models and data as the bug case; `ref_d` (the
# discriminator gradient of `loss_d` alone, taken before any step) is only added for the check.

import torch
import torch.nn as nn

torch.manual_seed(0)

generator = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
discriminator = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 1))
optim_g = torch.optim.Adam(generator.parameters(), lr=1e-3)
optim_d = torch.optim.Adam(discriminator.parameters(), lr=1e-3)
criterion = nn.BCEWithLogitsLoss()

real = torch.randn(5, 3)
z = torch.randn(5, 4)

# computing loss_g and loss_d...
fake = generator(z)
loss_g = criterion(discriminator(fake), torch.ones(5, 1))
loss_d = criterion(discriminator(real), torch.ones(5, 1)) + criterion(discriminator(fake.detach()), torch.zeros(5, 1))
ref_d = torch.autograd.grad(loss_d, list(discriminator.parameters()), retain_graph=True)

optim_g.zero_grad()
loss_g.backward()
optim_g.step()

optim_d.zero_grad()
loss_d.backward()
optim_d.step()
