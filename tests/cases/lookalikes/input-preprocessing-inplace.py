# case: input-preprocessing-inplace
# expect: clean
# torch: clean
# check: torch.allclose(x.mean(0), torch.zeros(3), atol=1e-6) and torch.allclose(w.grad, 2 * x.T @ (x @ w.detach()))

import torch

torch.manual_seed(0)
x = torch.randn(8, 3)
x.sub_(x.mean(0)).div_(x.std(0))
w = torch.ones(3, requires_grad=True)
((x @ w) ** 2).sum().backward()
