# case: pytorch-conv-output-slice-scaled-in-place-by-vector
# source: https://github.com/pytorch/pytorch/issues/55980
# expect: clean
# torch: clean
# check: torch.allclose(model.conv.weight.grad, ref_w_grad) and torch.allclose(model.conv.bias.grad, ref_b_grad)

# The look-alike of pytorch-conv-output-slice-times-vector-assigned-back: the form the thread's user started from,
# `x[0, :, 0, 0] *= var`, which runs and gives the right gradients: the in-place multiplication is recorded on the
# slice of the convolution's output (which nothing saved) and keeps what its own backward needs. The reference
# gradients come from the same computation written out of place (torch.cat of the scaled slice).

import torch


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(4, 4, 3)

    def forward(self, x, y):
        x = self.conv(x)
        y = self.conv(y)
        var = y.flatten()
        x[0, :, 0, 0] *= var

        loss = torch.mean(x)
        var.register_hook(lambda grad: print('var grad', grad.sum()))
        return loss


torch.manual_seed(0)
model = Model()

x = torch.ones([1, 4, 3, 3]).float()
y = torch.ones([1, 4, 3, 3]).float()
loss = model(x, y)

loss.backward()

w = model.conv.weight.detach().clone().requires_grad_()
b = model.conv.bias.detach().clone().requires_grad_()
cx = torch.nn.functional.conv2d(x, w, b)
cy = torch.nn.functional.conv2d(y, w, b).flatten()
scaled = cx[0, :, 0, 0] * cy
ref = (scaled.sum() + cx.sum() - cx[0, :, 0, 0].sum()) / cx.numel()
ref_w_grad, ref_b_grad = torch.autograd.grad(ref, [w, b])
