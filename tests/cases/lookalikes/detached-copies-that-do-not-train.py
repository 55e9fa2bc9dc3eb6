# case: detached-copies-that-do-not-train
# expect: clean
# torch: clean
# check: torch.allclose(w.grad, 2 * w0) and torch.equal(scratch, w0 + 1)

import torch

w = torch.tensor([1.0, -2.0], requires_grad=True)
w0 = w.detach().clone()
pred = w * 3
target = pred.detach()
scratch = w.clone().detach()
scratch.add_(1)
loss = ((pred - target) ** 2).sum() + (w * w).sum()
loss.backward()
