# case: mobilemamba-ss2d-gate-silu-made-inplace-by-yolo-init
# source: https://github.com/lewandofskee/MobileMamba/issues/14
# expect: markers
# torch: raises "is a view and is being modified inplace. This view is the output of a function that returns multiple views"

# The reporter put MobileMamba's backbone into an Ultralytics YOLO detector and training failed in the forward
# pass at lib_mamba/vmambanew.py, SS2D.forwardv2, `z = self.act(z)`. In forwardv2 the input projection is split
# with `x, z = x.chunk(2, dim=1)` and the gate half goes through `self.act` (act_layer=nn.SiLU, built
# out-of-place). Ultralytics' DetectionModel then runs `initialize_weights(model)`, whose `.modules()` loop sets
# `m.inplace = True` on every nn.SiLU/ReLU/..., including this one, so the SiLU rewrites an output of chunk in
# place (the traceback in the thread, as stored, stops at that line without the message; this is the error torch
# gives for it). Kept: SS2D's __init__ pieces used by forwardv2 (Conv2d_BN in_proj/out_proj, act, depthwise conv2d,
# out_act, dropout), forwardv2 as written, Conv2d_BN, and ultralytics' Conv and initialize_weights. Reduced: the
# selective-scan core (CUDA/cross-scan kernels) is replaced by its LayerNorm2d out_norm, d_model 16, a two-layer
# YOLO-ish model (Conv stem, SS2D block, a 1x1 detect conv) and a sum loss on one 32x32 batch.
# The marker is on `m.inplace = True`, the project's line for a module made in place by a flip (torch's traceback
# ends at `z = self.act(z)`, where the flipped SiLU writes the chunk output).
import torch
import torch.nn as nn


class Conv2d_BN(torch.nn.Sequential):
    def __init__(self, a, b, ks=1, stride=1, pad=0, dilation=1, groups=1, bn_weight_init=1):
        super().__init__()
        self.add_module('c', torch.nn.Conv2d(a, b, ks, stride, pad, dilation, groups, bias=False))
        self.add_module('bn', torch.nn.BatchNorm2d(b))
        torch.nn.init.constant_(self.bn.weight, bn_weight_init)
        torch.nn.init.constant_(self.bn.bias, 0)


class LayerNorm2d(nn.LayerNorm):
    def forward(self, x):
        x = x.permute(0, 2, 3, 1)
        x = nn.functional.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2)


class SS2D(nn.Module):
    def __init__(self, d_model=96, ssm_ratio=2.0, act_layer=nn.SiLU, d_conv=3, conv_bias=True, dropout=0.0,
                 channel_first=True, **kwargs):
        super().__init__()
        d_inner = int(ssm_ratio * d_model)
        self.channel_first = channel_first
        self.with_dconv = d_conv > 1
        self.out_norm = LayerNorm2d(d_inner)
        self.disable_z = False

        # in proj =======================================
        d_proj = d_inner if self.disable_z else (d_inner * 2)
        self.in_proj = Conv2d_BN(d_model, d_proj)
        self.act: nn.Module = act_layer()

        # conv =======================================
        if self.with_dconv:
            self.conv2d = nn.Conv2d(
                in_channels=d_inner,
                out_channels=d_inner,
                groups=d_inner,
                bias=conv_bias,
                kernel_size=d_conv,
                padding=(d_conv - 1) // 2,
            )

        # out proj =======================================
        self.out_act = nn.Identity()
        self.out_proj = Conv2d_BN(d_inner, d_model)
        self.dropout = nn.Dropout(dropout) if dropout > 0.0 else nn.Identity()

    def forward_core(self, x):
        # stand-in for forward_corev2 (selective scan + cross merge), which ends in out_norm(y)
        return self.out_norm(x)

    def forward(self, x: torch.Tensor, **kwargs):
        x = self.in_proj(x)
        x, z = x.chunk(2, dim=(1 if self.channel_first else -1))  # (b, h, w, d)
        z = self.act(z)
        x = self.conv2d(x)  # (b, d, h, w)
        x = self.act(x)
        y = self.forward_core(x)
        y = self.out_act(y)
        y = y * z
        out = self.dropout(self.out_proj(y))
        return out


class Conv(nn.Module):
    """Standard convolution (ultralytics.nn.modules.conv.Conv)."""
    default_act = nn.SiLU()  # default activation

    def __init__(self, c1, c2, k=1, s=1, p=None, g=1, d=1, act=True):
        super().__init__()
        self.conv = nn.Conv2d(c1, c2, k, s, k // 2 if p is None else p, groups=g, dilation=d, bias=False)
        self.bn = nn.BatchNorm2d(c2)
        self.act = self.default_act if act is True else act if isinstance(act, nn.Module) else nn.Identity()

    def forward(self, x):
        return self.act(self.bn(self.conv(x)))


def initialize_weights(model):
    """Initialize model weights to random values."""
    for m in model.modules():
        t = type(m)
        if t is nn.Conv2d:
            pass  # nn.init.kaiming_normal_(m.weight, mode='fan_out', nonlinearity='relu')
        elif t is nn.BatchNorm2d:
            m.eps = 1e-3
            m.momentum = 0.03
        elif t in {nn.Hardswish, nn.LeakyReLU, nn.ReLU, nn.ReLU6, nn.SiLU}:
            m.inplace = True  # error: IPL009


class DetectionModel(nn.Module):
    def __init__(self, nc=4):
        super().__init__()
        self.model = nn.Sequential(
            Conv(3, 16, 3, 2),
            SS2D(d_model=16, channel_first=True),
            nn.Conv2d(16, nc + 4, 1),
        )
        initialize_weights(self)

    def forward(self, x):
        return self.model(x)


torch.manual_seed(0)
model = DetectionModel().train()
imgs = torch.rand(2, 3, 32, 32)
preds = model(imgs)
loss = preds.pow(2).mean()
loss.backward()
