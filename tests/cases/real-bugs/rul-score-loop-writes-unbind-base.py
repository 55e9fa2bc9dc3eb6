# case: rul-score-loop-writes-unbind-base
# source: https://github.com/tilman151/rul-adapt/pull/11
# expect: markers
# torch: raises "is a view and its base or another view of its base has been modified inplace"

# tilman151/rul-adapt (RUL estimation / time series), rul_adapt/loss/rul.py before PR #11
# ("Implementation of RUL score was not differentiable because of in-place operations"):
# the RULScore metric's update() calls the helper rul_score(), which iterates `for i, d in
# enumerate(dist)` (iteration = unbind, so every d is a view of dist from a multi-output op)
# and writes `dist[i] = ...` back into the base. The next iteration touches d, a sibling
# unbind view whose base was modified in place, and autograd raises. Reduced: the
# torchmetrics.Metric base is a tiny stand-in with add_state(); the regressor is one Linear
# over random features. IPL009 on the `dist[i] = ...` line.
import torch
import torch.nn as nn


class Metric(nn.Module):
    """Minimal stand-in for torchmetrics.Metric (add_state / update / compute)."""

    def __init__(self):
        super().__init__()
        self._defaults = {}

    def add_state(self, name, default, dist_reduce_fx=None):
        self._defaults[name] = default
        setattr(self, name, default.detach().clone())

    def forward(self, *args, **kwargs):
        self.update(*args, **kwargs)
        return self.compute()


class RULScore(Metric):
    is_differentiable = True
    higher_is_better = False
    full_state_update = False

    def __init__(self, pos_factor=10.0, neg_factor=-13.0, mean: bool = False):
        super().__init__()
        self.pos_factor = pos_factor
        self.neg_factor = neg_factor
        self.mean = mean

        self.add_state("loss", default=torch.tensor(0.0), dist_reduce_fx="sum")
        self.add_state("total", default=torch.tensor(0.0), dist_reduce_fx="sum")

    def update(self, inputs: torch.Tensor, targets: torch.Tensor) -> None:
        self.loss += rul_score(inputs, targets, self.pos_factor, self.neg_factor)
        self.total += inputs.shape[0]

    def compute(self):
        if self.mean:
            return self.loss / self.total
        else:
            return self.loss


def rul_score(inputs, targets, pos_factor, neg_factor):
    dist = inputs - targets
    for i, d in enumerate(dist):
        dist[i] = (d / neg_factor) if d < 0 else (d / pos_factor)  # error: IPL009
    dist = torch.exp(dist) - 1
    score = dist.sum()

    return score


torch.manual_seed(0)
regressor = nn.Linear(14, 1)
features = torch.randn(8, 14)
targets = torch.rand(8) * 5
score_fn = RULScore(mean=True)
preds = regressor(features).squeeze(-1)
loss = score_fn(preds, targets)
loss.backward()
