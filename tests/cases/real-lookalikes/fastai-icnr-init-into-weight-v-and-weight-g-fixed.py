# case: fastai-icnr-init-into-weight-v-and-weight-g-fixed
# source: https://github.com/fastai/fastai/issues/2846
# expect: clean
# torch: clean
# check: torch.allclose(conv.weight[0], conv.weight[1], atol=1e-6) and conv.weight_v.grad is not None

# Look-alike of fastai-icnr-init-written-to-weight-norm-weight-data with the fix merged in
# fastai: for a weight-normed conv the ICNR kernel goes into the leaf parameters
# `weight_v` (through .data, outside any graph) and `weight_g` gets the matching norm, so
# the weight recomputed at every forward keeps the ICNR structure.
import torch
import torch.nn as nn
from torch.nn.utils import weight_norm


def icnr_init(x, scale=2, init=nn.init.kaiming_normal_):
    "ICNR init of `x`, with `scale` and `init` function"
    ni, nf, h, w = x.shape
    ni2 = int(ni / (scale ** 2))
    k = init(x.new_zeros([ni2, nf, h, w])).transpose(0, 1)
    k = k.contiguous().view(ni2, nf, -1)
    k = k.repeat(1, 1, scale ** 2)
    return k.contiguous().view([nf, ni, h, w]).transpose(0, 1)


class ConvLayer(nn.Sequential):
    def __init__(self, ni, nf, ks=3, norm_type='weight', act_cls=nn.ReLU, bias_std=0.01):
        conv = nn.Conv2d(ni, nf, kernel_size=ks, padding=ks // 2)
        nn.init.kaiming_normal_(conv.weight)
        conv.bias.data.normal_(0, bias_std)
        if norm_type == 'weight':
            conv = weight_norm(conv)
        super().__init__(conv, act_cls())


class PixelShuffle_ICNR(nn.Sequential):
    "Upsample by `scale` from `ni` filters to `nf` (default `ni`), using `nn.PixelShuffle`."
    def __init__(self, ni, nf=None, scale=2, blur=False, norm_type='weight', act_cls=nn.ReLU):
        nf = ni if nf is None else nf
        layers = [ConvLayer(ni, nf * (scale ** 2), ks=1, norm_type=norm_type, act_cls=act_cls, bias_std=0),
                  nn.PixelShuffle(scale)]
        if norm_type == 'weight':
            layers[0][0].weight_v.data.copy_(icnr_init(layers[0][0].weight_v.data))
            layers[0][0].weight_g.data.copy_(((layers[0][0].weight_v.data ** 2).sum(dim=[1, 2, 3]) ** 0.5)[:, None, None, None])
        else:
            layers[0][0].weight.data.copy_(icnr_init(layers[0][0].weight.data))
        if blur:
            layers += [nn.ReplicationPad2d((1, 0, 1, 0)), nn.AvgPool2d(2, stride=1)]
        super().__init__(*layers)


torch.manual_seed(0)
psfl = PixelShuffle_ICNR(4)
conv = psfl[0][0]
x = torch.randn(2, 4, 5, 5)
y = psfl(x)
y.mean().backward()
