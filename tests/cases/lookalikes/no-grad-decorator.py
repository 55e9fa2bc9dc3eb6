# case: no-grad-decorator
# expect: clean
# torch: clean
# check: w.is_leaf and torch.allclose(w, torch.tensor([0.8, -1.6]))

import torch

w = torch.tensor([1.0, -2.0], requires_grad=True)


@torch.no_grad()
def step(lr):
    w.sub_(lr * w.grad)


(w * w).sum().backward()
step(0.1)
