# case: custom-optimizer-no-grad-step
# expect: clean
# torch: clean
# check: w.is_leaf and torch.allclose(w, torch.tensor([1.0, -2.0]) * 0.8 ** 2)

import torch


class PlainSGD(torch.optim.Optimizer):
    def __init__(self, params, lr=0.1):
        super().__init__(params, dict(lr=lr))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                p.add_(p.grad, alpha=-group["lr"])


w = torch.tensor([1.0, -2.0], requires_grad=True)
opt = PlainSGD([w], lr=0.1)
for _ in range(2):
    opt.zero_grad()
    (w * w).sum().backward()
    opt.step()
