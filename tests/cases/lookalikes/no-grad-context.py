# case: no-grad-context
# expect: clean
# torch: clean
# check: w.is_leaf and torch.allclose(w, torch.tensor([0.5, -1.6]))

import torch

w = torch.tensor([1.0, -2.0], requires_grad=True)
(w * w).sum().backward()
with torch.no_grad():
    w -= 0.1 * w.grad
    w[0] = 0.5
w.grad = None
