# case: discuss-pytorch-exp-input-item-assigned-before-backward
# source: https://discuss.pytorch.org/t/when-inplace-operation-are-allowed-and-when-not/169583/3
# expect: clean
# torch: clean
# check: torch.allclose(t.grad, 2 * torch.exp(2 * torch.arange(3.0)))

# The allowed half of the answer's script in the thread: the input `u` of `u.exp()` is written in
# place before backward. exp saves its output, not its input, and `2 * t` (a product with a Python
# number) saves nothing, so the backward runs and the gradient is computed from the values the
# forward saw: d/dt sum(exp(2t)) = 2 exp(2t), untouched by `u[0] = 666`.

import torch

t = torch.arange (3.0, requires_grad = True)
u = 2 * t                             # (so it won't be a leaf variable)
uexp = u.exp()                        # uexp is the gradient of u.exp()
loss = uexp.sum()                     # (some dummy loss)
u[0] = 666                            # inplace modification of u
loss.backward()                       # okay
