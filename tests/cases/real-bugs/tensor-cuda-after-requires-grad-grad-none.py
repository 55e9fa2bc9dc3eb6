# case: tensor-cuda-after-requires-grad-grad-none
# source: https://github.com/pytorch/pytorch/issues/12923
# expect: markers
# torch: raises "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed"

# The code: `torch.randn(4, requires_grad=True).cuda()` is the output of a copy, not a leaf, so x.grad stays
# None. There is no GPU here: .cuda() is replaced by .double(), another recorded copy that makes the result a non-leaf.
import torch

x = torch.randn(4, requires_grad=True).double()  # error: IPL005
y = torch.randn(4, requires_grad=True).double()
z = torch.zeros(4)
z = torch.clone(x)
z.retain_grad()
h = (z + y) * z
l = torch.randn(4).double()  # noqa: E741
loss = (l - h).pow(2).sum()
loss.backward()
print('x.grad=', x.grad)
print('z.grad=', z.grad)
