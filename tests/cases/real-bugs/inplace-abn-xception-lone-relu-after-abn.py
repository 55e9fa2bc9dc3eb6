# case: inplace-abn-xception-lone-relu-after-abn
# source: https://github.com/mapillary/inplace_abn/issues/40
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# Both marked on `self.rep(inp)`, where the Sequential's first layer, the lone in-place ReLU, runs (the
# convention for a Sequential's first layer): it writes what InPlaceABN saved (IPL003), and it rectifies `inp`
# itself, so `self.skip(inp)` two lines down reads relu(inp), not the block's input (IPL008; checked under
# torch: the input tensor is changed by the call).
# The reporter converted an Xception backbone (deeplab style) to InPlace-ABN: every
# BatchNorm+ReLU pair became an InPlaceABN layer, and the lone ReLUs were kept. Each
# Xception Block starts its `rep` Sequential with `self.relu = nn.ReLU(inplace=True)`, so
# block1's first layer rewrites, in place, the tensor produced by the entry flow's last
# InPlaceABN. InPlaceABN keeps its OUTPUT for backward (that is how it saves memory), so
# the backward fails with "modified by an inplace operation". Completed plausibly: the CUDA
# InPlaceABN is replaced by a small autograd.Function that, like the real one, normalizes +
# leaky-relus its input in place, marks it dirty and saves the output; the separable conv
# is a depthwise+pointwise pair; only the entry flow and two blocks are kept, and block1
# starts with the lone ReLU (start_with_relu=True) right after the entry flow's InPlaceABN.
import torch
import torch.nn as nn
import torch.nn.functional as F


class _InPlaceABNFn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, weight, bias, eps, slope):
        mean = x.mean(dim=(0, 2, 3), keepdim=True)
        var = x.var(dim=(0, 2, 3), unbiased=False, keepdim=True)
        x.sub_(mean).div_((var + eps).sqrt())
        x.mul_(weight.view(1, -1, 1, 1)).add_(bias.view(1, -1, 1, 1))
        F.leaky_relu(x, slope, inplace=True)
        ctx.mark_dirty(x)
        ctx.save_for_backward(x, weight, bias, var)
        ctx.eps, ctx.slope = eps, slope
        return x

    @staticmethod
    def backward(ctx, dz):
        y, weight, bias, var = ctx.saved_tensors
        # invert the activation and the affine transform from the saved output
        pos = y >= 0
        dy = torch.where(pos, dz, dz * ctx.slope)
        y = torch.where(pos, y, y / ctx.slope)
        xhat = (y - bias.view(1, -1, 1, 1)) / weight.view(1, -1, 1, 1)
        dweight = (dy * xhat).sum(dim=(0, 2, 3))
        dbias = dy.sum(dim=(0, 2, 3))
        dxhat = dy * weight.view(1, -1, 1, 1)
        dx = (dxhat - dxhat.mean(dim=(0, 2, 3), keepdim=True)
              - xhat * (dxhat * xhat).mean(dim=(0, 2, 3), keepdim=True)) / (var + ctx.eps).sqrt()
        return dx, dweight, dbias, None, None


class InPlaceABN(nn.Module):
    def __init__(self, num_features, eps=1e-5, activation_param=0.01):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(num_features))
        self.bias = nn.Parameter(torch.zeros(num_features))
        self.eps = eps
        self.activation_param = activation_param

    def forward(self, x):
        return _InPlaceABNFn.apply(x, self.weight, self.bias, self.eps, self.activation_param)


class SeparableConv2d_same(nn.Module):
    def __init__(self, inplanes, planes, kernel_size=3, stride=1, dilation=1, bias=False):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, inplanes, kernel_size, stride, dilation, dilation, groups=inplanes, bias=bias)
        self.pointwise = nn.Conv2d(inplanes, planes, 1, 1, 0, 1, 1, bias=bias)

    def forward(self, x):
        return self.pointwise(self.conv1(x))


class Block(nn.Module):
    def __init__(self, inplanes, planes, reps, stride=1, dilation=1, start_with_relu=True, grow_first=True):
        super(Block, self).__init__()

        if planes != inplanes or stride != 1:
            self.skip = nn.Conv2d(inplanes, planes, 1, stride=stride, bias=False)
            self.skipbn = nn.BatchNorm2d(planes)
        else:
            self.skip = None

        self.relu = nn.ReLU(inplace=True)
        rep = []

        filters = inplanes
        if grow_first:
            rep.append(self.relu)
            rep.append(SeparableConv2d_same(inplanes, planes, 3, stride=1, dilation=dilation))
            rep.append(InPlaceABN(planes))
            filters = planes

        for i in range(reps - 1):
            rep.append(SeparableConv2d_same(filters, filters, 3, stride=1, dilation=dilation))
            rep.append(InPlaceABN(filters))

        if stride != 1:
            rep.append(SeparableConv2d_same(planes, planes, 3, stride=2))

        if not start_with_relu:
            rep = rep[1:]

        self.rep = nn.Sequential(*rep)

    def forward(self, inp):
        x = self.rep(inp)  # error: IPL003, IPL008
        if self.skip is not None:
            skip = self.skip(inp)
            skip = self.skipbn(skip)
        else:
            skip = inp
        x = x + skip
        return x


class Xception(nn.Module):
    def __init__(self, inplanes=3):
        super(Xception, self).__init__()
        self.conv1 = nn.Conv2d(inplanes, 8, 3, stride=2, padding=1, bias=False)
        self.abn1 = InPlaceABN(8)
        self.conv2 = nn.Conv2d(8, 16, 3, stride=1, padding=1, bias=False)
        self.abn2 = InPlaceABN(16)
        self.block1 = Block(16, 32, reps=2, stride=2, start_with_relu=True)  # the first block starts with the lone ReLU
        self.block2 = Block(32, 32, reps=2, stride=1, start_with_relu=True, grow_first=True)

    def forward(self, input):
        x = self.conv1(input)
        x = self.abn1(x)
        x = self.conv2(x)
        x = self.abn2(x)
        x = self.block1(x)
        x = self.block2(x)
        return x


torch.manual_seed(0)
model = Xception()
out = model(torch.randn(2, 3, 16, 16))
out.pow(2).mean().backward()
