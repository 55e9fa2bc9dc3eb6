# case: sigmoid-output-item-assigned
# source: https://github.com/pytorch/pytorch/issues/9391
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# The first snippet: sigmoid saves its output, which is then written by item assignment.
import torch

a = torch.tensor([1, 2, 3.], requires_grad=True)
b = a.sigmoid()
b[1] = 2  # error: IPL003
b.sum().backward()
