# case: grad-fn-guard-updates-state-in-place-when-tracked
# source: https://github.com/idiap/fast-transformers/pull/10 (the guard of the fix, inverted: the in-place update runs exactly when the key has a grad_fn, in training)
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"
import torch
from torch import nn


class Accumulate(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(4, 4)

    def forward(self, x, state):
        k = self.proj(x)
        out = torch.sigmoid(state)
        if k.grad_fn is None:
            state = state + k
        else:
            state += k  # error: IPL003
        return out * state, state


model = Accumulate()
out, state = model(torch.randn(2, 4), torch.sigmoid(torch.randn(2, 4, requires_grad=True)))
out.sum().backward()
