# case: clone-of-saved-tensor-written
# expect: clean
# torch: clean
# check: torch.allclose(x.grad, 2 * torch.exp(x.detach())) and torch.equal(shown[0], torch.tensor(0.0))

import torch

x = torch.tensor([0.0, 1.0, 2.0], requires_grad=True)
h = torch.exp(x)
shown = h.clone()
shown[0] = 0
shown.clamp_(max=3.0)
(h * 2).sum().backward()
