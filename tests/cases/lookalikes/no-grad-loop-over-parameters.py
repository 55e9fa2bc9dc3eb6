# case: no-grad-loop-over-parameters
# expect: clean
# torch: clean
# check: all(torch.allclose(p, b - lr * p.grad) for p, b in zip(model.parameters(), before)) and torch.allclose(model.bias.grad, torch.tensor([3.0]))

import torch

torch.manual_seed(0)
model = torch.nn.Linear(2, 1)
before = [p.detach().clone() for p in model.parameters()]
x = torch.randn(3, 2)
model(x).sum().backward()
lr = 0.1
with torch.no_grad():
    for p in model.parameters():
        p -= lr * p.grad
