# case: matmul-output-slice-assigned-before-backward-fixed
# source: https://github.com/Zijing5/PyTorch_AboutSomeDetails
# expect: clean
# torch: clean
# check: torch.equal(w2.grad, torch.tensor([5.])) and torch.equal(w1.grad, torch.tensor([[9.], [27.]]))

# Same notebook cell with the overwrite done on a copy (`d.clone()`), so the value the
# second matmul saved stays intact and the gradients are the true ones.
import torch

x = torch.tensor([1., 3.])
w1 = torch.tensor([[2.], [1.]], requires_grad=True)
w2 = torch.tensor([9.], requires_grad=True)

d = torch.matmul(x, w1)
f = torch.matmul(d, w2)
d_shown = d.clone()
d_shown[:] = 4
f.backward()
