# case: recurrent-sigmoid-collected-in-list-fixed
# source: https://github.com/pytorch/pytorch/issues/36470
# expect: clean
# torch: clean
# check: abs(grad.item() - fd) < 1e-4

# Look-alike of recurrent-sigmoid-written-into-buffer: the same recurrence, but each step is
# a new tensor kept in a Python list and stacked at the end, so nothing that was saved for
# backward is overwritten. The gradient matches a central finite difference in float64.
import torch


def unroll(x, a=1, steps=10):
    f = [torch.full((1,), float(a), dtype=x.dtype)]
    for i in range(1, steps):
        h = f[i - 1] * x
        f.append(1 / (1.0 + torch.exp(-h)))
    return torch.cat(f)


x = torch.ones(1, dtype=torch.float64)
x.requires_grad_()
loss = torch.sum(unroll(x))
grad = torch.autograd.grad(loss, [x])[0]

eps = 1e-6
with torch.no_grad():
    fd = ((unroll(x + eps).sum() - unroll(x - eps).sum()) / (2 * eps)).item()
