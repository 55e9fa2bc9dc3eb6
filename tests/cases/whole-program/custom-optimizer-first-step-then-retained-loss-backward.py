# case: custom-optimizer-first-step-then-retained-loss-backward
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# A sharpness-aware optimizer of the project (a `torch.optim.Optimizer` subclass, as SAM implementations are):
# `first_step` moves every parameter in place to `w + e(w)`. The loss was backpropagated with `retain_graph=True`
# and is backpropagated again after that step (the second forward's loss is never assigned), through a graph that
# saved the old weights.
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
loss.backward(retain_graph=True)
optimizer.first_step()  # error: IPL003
((model(x) - y) ** 2).mean()
loss.backward()
optimizer.second_step()
