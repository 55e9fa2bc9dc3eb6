# case: m3ae-masked-patch-written-into-scatter-output-view
# source: https://github.com/ccarliu/m3ae/issues/15
# expect: markers
# torch: raises "A view was created in no_grad mode and is being modified inplace"

# M3AE (multi-modal masked autoencoder for brain MRI) pre-training, model/Unet.py:
# Unet.forward overwrites masked patches of the input with a learnable image in place,
# `x[l] = x[l] * mask + self.limage[...] * (1-mask)  # not detach here`, for each sample l.
# The model runs under nn.DataParallel, whose Scatter (a custom autograd Function) hands
# the module views of the batch; `x` does not require grad, so the write into that view
# with the grad-requiring `self.limage` raises "A view was created in no_grad mode and is
# being modified inplace with grad mode enabled. This view was created inside a custom
# Function ...". Completed plausibly: the GPU Scatter is replaced by a CPU stand-in Function
# that, like Scatter on one device, returns a view of its input; MaskEmbeeding2 is a random
# binary mask; the 3D U-Net body is a single Conv3d.
import torch
import torch.nn as nn


class Scatter(torch.autograd.Function):
    # stand-in for torch.nn.parallel._functions.Scatter on a single device
    @staticmethod
    def forward(ctx, input):
        return input.view_as(input)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output


def MaskEmbeeding2(B, mask_ratio=0.5, patch=4):
    return (torch.rand(B, 4, patch, patch, patch) > mask_ratio).float()


class Unet(nn.Module):
    def __init__(self, patch_shape=4, pre_train=True, mask_ratio=0.5):
        super().__init__()
        self.limage = nn.Parameter(torch.randn((1, 4, 16, 16, 16)) * 0.1)
        self.pre_train = pre_train
        self.mask_ratio = mask_ratio
        self.patch_shape = patch_shape
        self.body = nn.Conv3d(4, 4, 3, padding=1)

    def forward(self, x, location=None):
        if self.pre_train and self.training:
            for l in range(x.shape[0]):
                mask = MaskEmbeeding2(1, mask_ratio=self.mask_ratio, patch=self.patch_shape)
                x[l] = x[l] * mask + self.limage[:, :, location[0][0][l]: location[0][1][l], location[1][0][l]: location[1][1][l], location[2][0][l]: location[2][1][l]] * (1 - mask)  # error: IPL012
        return self.body(x), x


class DataParallelStandIn(nn.Module):
    def __init__(self, module):
        super().__init__()
        self.module = module

    def forward(self, inputs, *args):
        return self.module(Scatter.apply(inputs), *args)


torch.manual_seed(0)
model_1 = DataParallelStandIn(Unet())
inputs_S1 = torch.randn(2, 4, 4, 4, 4)
starts = torch.tensor([0, 4])
patch_locations = [(starts, starts + 4), (starts, starts + 4), (starts, starts + 4)]
segs_S1, masked = model_1(inputs_S1, patch_locations)
loss = (segs_S1 - inputs_S1).pow(2).mean()
loss.backward()
