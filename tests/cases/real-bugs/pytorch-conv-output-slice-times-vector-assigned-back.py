# case: pytorch-conv-output-slice-times-vector-assigned-back
# source: https://github.com/pytorch/pytorch/issues/55980
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# The thread: Model.forward convolves both of its arguments with `self.conv`, flattens the second result into
# `var`, and scales a slice of the first: written `x[0, :, 0, 0] *= var` it runs, but written
# `x[0, :, 0, 0] = x[0, :, 0, 0] * var` backward raises "one of the variables needed for gradient computation has
# been modified by an inplace operation". The product saves its operand `x[0, :, 0, 0]` (var requires grad), a
# view of x, and the slice assignment then writes x in place; the in-place `*=` form knows it clobbers its input
# and saves what it needs. The maintainer's fix is `x[0, :, 0, 0] = x[0, :, 0, 0].clone() * var`.
# Reduced: 4 channels instead of 12.

import torch


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(4, 4, 3)

    def forward(self, x, y):
        x = self.conv(x)
        y = self.conv(y)
        var = y.flatten()
        x[0, :, 0, 0] = x[0, :, 0, 0] * var  # error: IPL003

        loss = torch.mean(x)
        var.register_hook(lambda grad: print('var grad', grad.sum()))
        return loss


torch.manual_seed(0)
model = Model()

x = torch.ones([1, 4, 3, 3]).float()
y = torch.ones([1, 4, 3, 3]).float()
loss = model(x, y)

loss.backward()
