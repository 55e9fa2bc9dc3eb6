# case: plain-tensor-inplace
# expect: clean
# torch: clean
# check: torch.equal(x, torch.tensor([4.0, 4.0, 4.0]))

import torch

x = torch.ones(3)
x.add_(1)
x *= 2
x[0] = 5
x.clamp_(max=4)
