# case: grad-data-zero
# expect: clean
# torch: clean
# check: torch.allclose(model.bias.grad, torch.tensor([3.0]))

import torch

torch.manual_seed(0)
model = torch.nn.Linear(2, 1)
x = torch.randn(3, 2)
model(x).sum().backward()
for p in model.parameters():
    p.grad.data.zero_()
model(x).sum().backward()
