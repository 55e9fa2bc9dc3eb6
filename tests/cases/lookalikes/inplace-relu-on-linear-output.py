# case: inplace-relu-on-linear-output
# expect: clean
# torch: clean
# check: torch.allclose(lin.weight.grad, ((x @ lin.weight.T + lin.bias) > 0).float().T @ x)

import torch
import torch.nn.functional as F

torch.manual_seed(0)
lin = torch.nn.Linear(3, 2)
x = torch.randn(4, 3)
h = lin(x)
F.relu(h, inplace=True)
h.sum().backward()
