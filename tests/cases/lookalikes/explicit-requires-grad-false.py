# case: explicit-requires-grad-false
# expect: clean
# torch: clean
# check: torch.equal(w, torch.tensor([1.0, 3.0, 1.0]))

import torch

w = torch.zeros(3, requires_grad=False)
w.add_(1)
w[1] = 3
