# case: requires-grad-turned-off
# expect: clean
# torch: clean
# check: torch.equal(w, torch.full((3,), 2.0)) and not w.requires_grad

import torch

w = torch.ones(3, requires_grad=True)
w.requires_grad_(False)
w.add_(1)
