# case: sequential-with-inplace-relu
# expect: clean
# torch: clean
# check: all(p.grad is not None for p in model.parameters())

import torch

torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(inplace=True), torch.nn.Linear(4, 1))
x = torch.randn(5, 3)
model(x).sum().backward()
