# case: fastai-icnr-init-written-to-weight-norm-weight-data
# source: https://github.com/fastai/fastai/issues/2846
# expect: markers
# torch: clean
# check: not torch.allclose(conv.weight[0], conv.weight[1]) and torch.allclose(icnr_w[0], icnr_w[1])
# known-miss: `weight_norm` recomputes `weight` from `weight_g` and `weight_v` in every forward, so the `.data` write into `weight` is lost: the analysis does not model weight_norm's parametrization

# fastai's PixelShuffle_ICNR builds `ConvLayer(ni, nf*scale**2, ks=1, norm_type=
# NormType.Weight)` (a weight-normed conv) and then initializes it with
# `layers[0][0].weight.data.copy_(icnr_init(layers[0][0].weight.data))`. Under weight_norm,
# `conv.weight` is a derived, grad-requiring tensor recomputed from weight_g / weight_v by a
# forward pre-hook, so writing through its `.data` is silently undone at the next forward:
# the layer trains from a plain kaiming init, not ICNR (checkerboard artifacts come back).
# The fix copies the ICNR kernel into weight_v and the matching norm into weight_g.
# Trimmed: ConvLayer reduced to conv (+ weight_norm) + ReLU; the rest of the block as in fastai.
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
        layers[0][0].weight.data.copy_(icnr_init(layers[0][0].weight.data))  # error: IPL004
        if blur:
            layers += [nn.ReplicationPad2d((1, 0, 1, 0)), nn.AvgPool2d(2, stride=1)]
        super().__init__(*layers)


torch.manual_seed(0)
psfl = PixelShuffle_ICNR(4)
conv = psfl[0][0]
icnr_w = conv.weight.detach().clone()  # what the init wrote
x = torch.randn(2, 4, 5, 5)
y = psfl(x)  # weight_norm recomputes conv.weight from weight_g / weight_v here
y.mean().backward()
