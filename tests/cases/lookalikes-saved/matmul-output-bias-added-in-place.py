# case: matmul-output-bias-added-in-place
# expect: clean
# torch: clean
# check: torch.allclose(w.grad, x.T @ ((x @ w.detach() + b.detach()) > 0).float()) and torch.allclose(b.grad, ((x @ w.detach() + b.detach()) > 0).float().sum(0))

import torch

torch.manual_seed(0)
x = torch.randn(4, 3)
w = torch.randn(3, 2, requires_grad=True)
b = torch.randn(2, requires_grad=True)
y = x @ w
y += b
y = torch.relu(y)
y.sum().backward()
