# case: discuss-pytorch-exp-output-item-assigned-before-backward
# source: https://discuss.pytorch.org/t/when-inplace-operation-are-allowed-and-when-not/169583/3
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# The thread asks when in-place operations are allowed; the answer (KFrank) runs this script:
# `t = torch.arange(3.0, requires_grad=True)`, `u = 2 * t`, `uexp = u.exp()`, `loss = uexp.sum()`,
# then `u[0] = 666` (allowed: exp saved its result, not its input, and `2 * t` saved nothing),
# `loss.backward(retain_graph=True)` (works), then `uexp[0] = 666` and `loss.backward()`, which
# fails because exp's backward needs its own output. Reproduced as posted, up to the failing
# backward; the write into the saved output is the bug, the earlier write into `u` is not.

import torch

t = torch.arange (3.0, requires_grad = True)
u = 2 * t                             # (so it won't be a leaf variable)
uexp = u.exp()                        # uexp is the gradient of u.exp()
loss = uexp.sum()                     # (some dummy loss)
u[0] = 666                            # inplace modification of u
loss.backward (retain_graph = True)   # okay
uexp[0] = 666  # error: IPL003
loss.backward()
