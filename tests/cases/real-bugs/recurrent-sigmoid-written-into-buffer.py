# case: recurrent-sigmoid-written-into-buffer
# source: https://github.com/pytorch/pytorch/issues/36470
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# The report computes the recurrence f(n) = sigmoid(f(n-1) * x) by writing every step into
# slots of one preallocated buffer `f`. `f[i-1] * x` saves the view f[i-1] (to get the
# gradient for x), and the following writes into `f` (both the product and the sigmoid are
# stored with item assignment) bump the version counter of the whole buffer, so backward
# finds the saved slot modified. Kept as in the thread, inside a function.
import torch


def unroll(x, a=1, steps=10):
    f = torch.zeros(steps)
    f[0] = a
    for i in range(1, steps):
        f[i] = f[i - 1] * x  # error: IPL003
        f[i] = 1 / (1.0 + torch.exp(-f[i]))  # error: IPL003
    return f


x = torch.ones(1)
x.requires_grad_()
f = unroll(x)
loss = torch.sum(f)
grad = torch.autograd.grad(loss, [x])[0]
print(grad)
