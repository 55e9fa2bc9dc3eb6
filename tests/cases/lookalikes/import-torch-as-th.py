# case: import-torch-as-th
# expect: clean
# torch: clean
# check: w.is_leaf and th.allclose(w, th.tensor([0.8, -1.6]))

import torch as th

w = th.tensor([1.0, -2.0], requires_grad=True)
(w * w).sum().backward()
with th.no_grad():
    w -= 0.1 * w.grad
w.grad.zero_()
