# case: view-of-requires-grad-tensor-grad-none
# source: https://github.com/pytorch/pytorch/issues/1479
# expect: markers
# torch: raises "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed"

# The first half: `.view(3, 1)` applied after creating the tensor with requires_grad makes `b` a view, not
# the leaf, so `b.grad` stays None ("we only populate gradients for leaf variables", soumith). Variable(...)
# replaced by torch.tensor(...).
import torch

a = torch.tensor([1., 2, 3]).view(1, 3)
b = torch.tensor([4., 5, 6], requires_grad=True).view(3, 1)  # error: IPL005
c = a.mm(b).sum()
c.backward()
print(a.requires_grad)
print(b.requires_grad)
print(b.grad)
