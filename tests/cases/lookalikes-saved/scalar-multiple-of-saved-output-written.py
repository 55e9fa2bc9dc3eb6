# case: scalar-multiple-of-saved-output-written
# expect: clean
# torch: clean
# check: torch.allclose(x.grad, 3 * (1 - torch.tanh(x.detach()) ** 2))

import torch

x = torch.tensor([0.5, -1.0], requires_grad=True)
h = torch.tanh(x)
g = h * 2
g.add_(1)
(g + h).sum().backward()
