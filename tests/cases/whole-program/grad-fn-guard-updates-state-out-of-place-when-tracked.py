# case: grad-fn-guard-updates-state-out-of-place-when-tracked
# source: https://github.com/idiap/fast-transformers/pull/10 (the maintainer's fix: out of place whenever the key has a grad_fn, in place only for inference)
# expect: clean
# torch: clean
# check: model.proj.weight.grad is not None
import torch
from torch import nn


class Accumulate(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(4, 4)

    def forward(self, x, state):
        k = self.proj(x)
        out = torch.sigmoid(state)
        if k.grad_fn is not None:
            state = state + k
        else:
            state += k
        return out * state, state


model = Accumulate()
out, state = model(torch.randn(2, 4), torch.sigmoid(torch.randn(2, 4, requires_grad=True)))
out.sum().backward()
