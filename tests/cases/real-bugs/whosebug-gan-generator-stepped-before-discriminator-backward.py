# case: whosebug-gan-generator-stepped-before-discriminator-backward
# source: https://whosebug.com/question/5232549/How-does-PyTorch-s-loss-backward-work-when-retain-graph-True-is-specified
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# The question (a mirror of a Stack Overflow question) trains the generator first and then the
# discriminator: `optim_g.zero_grad(); loss_g.backward(); optim_g.step()` then
# `optim_d.zero_grad(); loss_d.backward(); optim_d.step()`. It first got "Trying to backward
# through the graph a second time" and added `retain_graph=True` to `loss_g.backward()`; the answer
# explains that `loss_d` backpropagates through the generator (the fake batch is not detached).
# Completed: the thread only writes "# computing loss_g and loss_d..."; the two small MLPs, the BCE
# losses and the data are filled in the usual way (fake = generator(z) fed to the discriminator
# for both losses). With retain_graph=True, `optim_g.step()` rewrites the generator weights that
# the shared graph saved, so `loss_d.backward()` fails.

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
loss_d = criterion(discriminator(real), torch.ones(5, 1)) + criterion(discriminator(fake), torch.zeros(5, 1))

optim_g.zero_grad()
loss_g.backward(retain_graph=True)
optim_g.step()  # error: IPL003

optim_d.zero_grad()
loss_d.backward()
optim_d.step()
