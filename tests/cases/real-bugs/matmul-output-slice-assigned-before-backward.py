# case: matmul-output-slice-assigned-before-backward
# source: https://github.com/Zijing5/PyTorch_AboutSomeDetails
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# The notebook code/5.data&.detach().ipynb, its second in-place example: d = x @ w1, f = d @ w2, then `d[:] = 4`
# overwrites d, which the second matmul saved to compute the gradient of w2;
# f.backward() then fails. Kept as in the notebook (already tiny).
import torch

x = torch.tensor([1., 3.])
w1 = torch.tensor([[2.], [1.]], requires_grad=True)
w2 = torch.tensor([9.], requires_grad=True)

d = torch.matmul(x, w1)
f = torch.matmul(d, w2)
d[:] = 4  # error: IPL003
f.backward()
