# case: custom-optimizer-first-step-then-new-loss-backward
# expect: clean
# torch: clean
# check: all(p.grad is not None and bool(torch.isfinite(p.grad).all()) for p in model.parameters())

# The optimizer of custom-optimizer-first-step-then-retained-loss-backward used as SAM's README shows: the first
# loss is backpropagated once (its graph freed), `first_step` moves the weights, and the loss of the second forward,
# computed at `w + e(w)`, is the one backpropagated before `second_step`.
import torch
import torch.nn as nn


class SAM(torch.optim.Optimizer):
    def __init__(self, params, base_optimizer, rho=0.05, **kwargs):
        super().__init__(params, dict(rho=rho, **kwargs))
        self.base_optimizer = base_optimizer(self.param_groups, **kwargs)

    @torch.no_grad()
    def first_step(self):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                self.state[p]["old_p"] = p.data.clone()
                p.add_(p.grad * group["rho"])

    @torch.no_grad()
    def second_step(self):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    p.data = self.state[p]["old_p"]
        self.base_optimizer.step()


model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
optimizer = SAM(model.parameters(), torch.optim.SGD, lr=0.1)
x, y = torch.randn(5, 4), torch.randn(5, 1)
loss = ((model(x) - y) ** 2).mean()
loss.backward()
optimizer.first_step()
loss = ((model(x) - y) ** 2).mean()
loss.backward()
optimizer.second_step()
