# case: dcgan-book-kernel-entries-set-on-conv-weight
# source: https://github.com/YutaroOgawa/pytorch_advanced/issues/160
# expect: markers
# torch: raises "a view of a leaf Variable that requires grad is being used in an in-place operation"

# "PyTorch advanced" book, 5_gan_generation/5-1-2_DCGAN.ipynb, the cell "transposed convolution example": it writes
# a 2x2 kernel entry by entry into the weight of an nn.Conv2d and then of an nn.ConvTranspose2d,
# `m.weight[0, 0, 0, 0] = 1`, ... -- item assignments into the Parameter, a leaf that requires grad, which torch
# refuses since 1.x (the book was written for 1.0; the author reproduced the error on Colab and adopted the
# commenter's fix, `m.weight.data[0, 0, 0, 0] = 1`). Kept: the cell as written, with the prints of the kernels and
# outputs turned into variables.
import torch
import torch.nn as nn

input = torch.tensor([[[[1., 1.], [2., 2.]]]])

# ordinary convolution
m = nn.Conv2d(1, 1, 2, stride=1, bias=False)
m.weight[0, 0, 0, 0] = 1  # error: IPL002
m.weight[0, 0, 0, 1] = 2  # error: IPL002
m.weight[0, 0, 1, 0] = 3  # error: IPL002
m.weight[0, 0, 1, 1] = 4  # error: IPL002
conv_kernel = m.weight
conv_output = m(input)

# transposed convolution
m = nn.ConvTranspose2d(1, 1, 2, stride=1, bias=False)
m.weight[0, 0, 0, 0] = 1  # error: IPL002
m.weight[0, 0, 0, 1] = 2  # error: IPL002
m.weight[0, 0, 1, 0] = 3  # error: IPL002
m.weight[0, 0, 1, 1] = 4  # error: IPL002
transposed_kernel = m.weight
transposed_output = m(input)
