# case: rul-score-factor-mask-fixed
# source: https://github.com/tilman151/rul-adapt/pull/11
# expect: clean
# torch: clean
# check: regressor.weight.grad is not None and bool(torch.isfinite(regressor.weight.grad).all()) and bool(torch.isfinite(loss))

# rul_adapt/loss/rul.py after PR #11: rul_score() no longer writes into dist through the
# loop; it builds a separate `factors = torch.ones_like(dist)` and divides masked entries of
# THAT tensor in place (factors does not require grad and nothing saved it), then uses
# torch.exp(dist * factors). The metric state is updated out of place
# (`self.loss = self.loss + ...`). Same reduced stand-in Metric base and Linear regressor
# as the bug file.
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

    def __init__(self, pos_factor=10.0, neg_factor=-13.0, offset=-1.0, mean: bool = False):
        super().__init__()
        self.pos_factor = pos_factor
        self.neg_factor = neg_factor
        self.offset = offset
        self.mean = mean

        self.add_state("loss", default=torch.tensor(0.0), dist_reduce_fx="sum")
        self.add_state("total", default=torch.tensor(0.0), dist_reduce_fx="sum")

    def update(self, inputs: torch.Tensor, targets: torch.Tensor) -> None:
        self.loss = self.loss + rul_score(
            inputs, targets, self.pos_factor, self.neg_factor, self.offset
        )
        self.total = self.total + inputs.shape[0]

    def compute(self):
        if self.mean:
            return self.loss / self.total
        else:
            return self.loss


def rul_score(inputs, targets, pos_factor, neg_factor, offset):
    dist = inputs - targets
    factors = torch.ones_like(dist)
    factors[dist >= 0] /= pos_factor
    factors[dist < 0] /= neg_factor
    dist = torch.exp(dist * factors) + offset
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
