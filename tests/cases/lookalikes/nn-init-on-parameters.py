# case: nn-init-on-parameters
# expect: clean
# torch: clean
# check: lin.weight.is_leaf and torch.allclose(lin.bias.grad, torch.full((2,), 4.0))

import torch
from torch import nn

torch.manual_seed(0)
lin = nn.Linear(3, 2)
nn.init.kaiming_uniform_(lin.weight)
nn.init.constant_(lin.bias, 0.1)
torch.nn.init.normal_(lin.weight, std=0.01)
x = torch.randn(4, 3)
lin(x).sum().backward()
