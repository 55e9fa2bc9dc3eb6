# case: dcgan-book-kernel-entries-set-through-weight-data
# source: https://github.com/YutaroOgawa/pytorch_advanced/issues/160
# expect: clean
# torch: clean
# check: torch.equal(conv_output.detach(), torch.tensor([[[[17.]]]])) and torch.equal(transposed_output.detach(), torch.tensor([[[[1., 3., 2.], [5., 13., 8.], [6., 14., 8.]]]])) and conv_kernel.is_leaf and transposed_kernel.is_leaf

# The fix the commenter gave and the book's author adopted for the transposed-convolution example of
# 5-1-2_DCGAN.ipynb: the kernel entries are written through `m.weight.data[...]`, before any graph uses the weight,
# so the Parameter stays a leaf and the outputs are the ones the notebook prints (17 for the convolution, the 3x3
# map for the transposed convolution). Same cell as the bug case dcgan-book-kernel-entries-set-on-conv-weight.
import torch
import torch.nn as nn

input = torch.tensor([[[[1., 1.], [2., 2.]]]])

# ordinary convolution
m = nn.Conv2d(1, 1, 2, stride=1, bias=False)
m.weight.data[0, 0, 0, 0] = 1
m.weight.data[0, 0, 0, 1] = 2
m.weight.data[0, 0, 1, 0] = 3
m.weight.data[0, 0, 1, 1] = 4
conv_kernel = m.weight
conv_output = m(input)

# transposed convolution
m = nn.ConvTranspose2d(1, 1, 2, stride=1, bias=False)
m.weight.data[0, 0, 0, 0] = 1
m.weight.data[0, 0, 0, 1] = 2
m.weight.data[0, 0, 1, 0] = 3
m.weight.data[0, 0, 1, 1] = 4
transposed_kernel = m.weight
transposed_output = m(input)
