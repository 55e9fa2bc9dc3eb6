# case: discuss-pytorch-residual-helper-on-clone-grad-to-original
# source: https://discuss.pytorch.org/t/understanding-autograd-relu-inplace-true/89031
# expect: clean
# torch: clean
# check: torch.equal(g, (x_ref + sum(residual) > 0).float())

# albanD's fix in the thread: keep the tensor whose gradient is wanted (`x`, a leaf that requires
# grad) out of the in-place path and hand a clone (`x2 = x.clone()`) to the in-place code; the
# gradient is then taken with respect to `x`, which the helper never writes. The helper is the
# thread's `residual_activation_inplace`, unchanged; the gradient comes out as the ReLU mask.

import torch
import torch.nn.functional as F


def residual_activation_inplace(x, residual, activation, inplace):
    for r in residual:
        x += r
    return activation(x, inplace = inplace)


x_ref = torch.tensor([-1.0, 0.5, -0.25, 2.0])
x = x_ref.clone().requires_grad_()
x2 = x.clone()
residual = [torch.tensor([0.5, -1.0, 0.5, 0.5]), torch.tensor([0.25, 0.25, -1.0, 0.25])]
y = residual_activation_inplace(x2, residual, F.relu, inplace = True)
g = torch.autograd.grad(y.sum(), (x, ))[0]
