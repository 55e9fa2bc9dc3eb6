# case: sequential-from-a-list-changed-after
# source: inplace-lint issue #13 (`nn.Sequential(*layers)`, the list changed after it was written)
# expect: clean
# torch: clean
# check: net[0].weight.grad is not None

import torch
import torch.nn as nn

layers = [nn.Linear(8, 8), nn.Sigmoid(), nn.Dropout(0.5, inplace=True)]
layers.insert(2, nn.Linear(8, 8))  # the dropout now follows a Linear, which saves nothing it writes
net = nn.Sequential(*layers)
net(torch.randn(4, 8)).sum().backward()
