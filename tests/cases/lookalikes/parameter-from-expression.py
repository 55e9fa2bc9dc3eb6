# case: parameter-from-expression
# expect: clean
# torch: clean
# check: torch.allclose(g, torch.full((3,), 0.2))

import torch
from torch import nn

w = nn.Parameter(torch.ones(3) * 0.1)
(w * w).sum().backward()
g = w.grad
