# case: from-torch-import-no-grad
# expect: clean
# torch: clean
# check: w.is_leaf and torch.allclose(w, torch.tensor([0.8, -1.6]))

from torch import no_grad, tensor

w = tensor([1.0, -2.0], requires_grad=True)
(w * w).sum().backward()
with no_grad():
    w.sub_(0.1 * w.grad)
