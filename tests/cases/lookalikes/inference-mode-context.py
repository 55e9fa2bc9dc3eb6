# case: inference-mode-context
# expect: clean
# torch: clean
# check: torch.allclose(w.grad, 2 * torch.tensor([2.0, -4.0]))

import torch

w = torch.tensor([1.0, -2.0], requires_grad=True)
with torch.inference_mode():
    w.mul_(2)
(w * w).sum().backward()
