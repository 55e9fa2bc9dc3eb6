# case: rebinding-non-grad-tensor
# expect: clean
# torch: clean
# check: torch.equal(x, torch.full((3,), 6.0))

import torch

x = torch.zeros(3)
for _ in range(3):
    x = x + 1
x = x * 2
