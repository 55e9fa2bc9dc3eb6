# case: layernorm-then-functional-relu-inplace
# expect: clean
# torch: clean
# check: torch.allclose(x.grad, x_ref.grad, atol=1e-6)

import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)
norm = nn.LayerNorm(4)
x = torch.randn(3, 4, requires_grad=True)
h = norm(x)
h = F.relu(h, inplace=True)
h.sum().backward()

x_ref = x.detach().clone().requires_grad_(True)
F.relu(norm(x_ref)).sum().backward()
