# case: glow-affine-coupling-updates-half-of-split-in-place-fixed
# source: https://github.com/chaiyujin/glow-pytorch/pull/6
# expect: clean
# torch: clean
# check: all(p.grad is not None for p in flow.layers[1].f[0].parameters())

# Glow (chaiyujin/glow-pytorch), FlowStep.normal_flow in glow/models.py
# after PR #6 ("Replaced in-place operations in coupling layers"). The
# coupling splits z with thops.split_feature, which returns two slices of
# the same tensor; z1 goes through the coupling network self.f, whose first
# layer (modules.Conv2d) saves z1 for backward. The PR rebinds z2 to new
# tensors (`z2 = z2 + self.f(z1)`, `z2 = z2 + shift`, `z2 = z2 * scale`),
# so the base that z1 views is never written. Kept: FlowStep, FlowNet, f(),
# thops, and the modules it uses (ActNorm2d with data-dependent init,
# Conv2d, Conv2dZeros, InvertibleConv1x1 without LU, Split2d, SqueezeLayer,
# GaussianDiag) and Glow.normal_flow's objective with a zero prior.
# Completed: numpy replaced by torch/math (QR init of the 1x1 conv,
# log constants), the hparams object replaced by arguments, F.sigmoid by
# torch.sigmoid, small image shape, one training step.
import math
import torch
import torch.nn as nn
import torch.nn.functional as F


# ---- glow/thops.py
def thops_sum(tensor, dim=None, keepdim=False):
    if dim is None:
        return torch.sum(tensor)
    else:
        if isinstance(dim, int):
            dim = [dim]
        dim = sorted(dim)
        for d in dim:
            tensor = tensor.sum(dim=d, keepdim=True)
        if not keepdim:
            for i, d in enumerate(dim):
                tensor.squeeze_(d-i)
        return tensor


def thops_mean(tensor, dim=None, keepdim=False):
    if dim is None:
        return torch.mean(tensor)
    else:
        if isinstance(dim, int):
            dim = [dim]
        dim = sorted(dim)
        for d in dim:
            tensor = tensor.mean(dim=d, keepdim=True)
        if not keepdim:
            for i, d in enumerate(dim):
                tensor.squeeze_(d-i)
        return tensor


def split_feature(tensor, type="split"):
    C = tensor.size(1)
    if type == "split":
        return tensor[:, :C // 2, ...], tensor[:, C // 2:, ...]
    elif type == "cross":
        return tensor[:, 0::2, ...], tensor[:, 1::2, ...]


def cat_feature(tensor_a, tensor_b):
    return torch.cat((tensor_a, tensor_b), dim=1)


def pixels(tensor):
    return int(tensor.size(2) * tensor.size(3))


# ---- glow/modules.py
class _ActNorm(nn.Module):
    def __init__(self, num_features, scale=1.):
        super().__init__()
        size = [1, num_features, 1, 1]
        self.register_parameter("bias", nn.Parameter(torch.zeros(*size)))
        self.register_parameter("logs", nn.Parameter(torch.zeros(*size)))
        self.num_features = num_features
        self.scale = float(scale)
        self.inited = False

    def initialize_parameters(self, input):
        if not self.training:
            return
        with torch.no_grad():
            bias = thops_mean(input.clone(), dim=[0, 2, 3], keepdim=True) * -1.0
            vars = thops_mean((input.clone() + bias) ** 2, dim=[0, 2, 3], keepdim=True)
            logs = torch.log(self.scale/(torch.sqrt(vars)+1e-6))
            self.bias.data.copy_(bias.data)
            self.logs.data.copy_(logs.data)
            self.inited = True

    def _center(self, input, reverse=False):
        if not reverse:
            return input + self.bias
        else:
            return input - self.bias

    def _scale(self, input, logdet=None, reverse=False):
        logs = self.logs
        if not reverse:
            input = input * torch.exp(logs)
        else:
            input = input * torch.exp(-logs)
        if logdet is not None:
            dlogdet = thops_sum(logs) * pixels(input)
            if reverse:
                dlogdet *= -1
            logdet = logdet + dlogdet
        return input, logdet

    def forward(self, input, logdet=None, reverse=False):
        if not self.inited:
            self.initialize_parameters(input)
        if not reverse:
            input = self._center(input, reverse)
            input, logdet = self._scale(input, logdet, reverse)
        else:
            input, logdet = self._scale(input, logdet, reverse)
            input = self._center(input, reverse)
        return input, logdet


class ActNorm2d(_ActNorm):
    pass


class Conv2d(nn.Conv2d):
    def __init__(self, in_channels, out_channels,
                 kernel_size=[3, 3], stride=[1, 1],
                 padding="same", do_actnorm=True, weight_std=0.05):
        padding = [((k - 1) * s + 1) // 2 for k, s in zip(kernel_size, stride)]
        super().__init__(in_channels, out_channels, kernel_size, stride,
                         padding, bias=(not do_actnorm))
        self.weight.data.normal_(mean=0.0, std=weight_std)
        if not do_actnorm:
            self.bias.data.zero_()
        else:
            self.actnorm = ActNorm2d(out_channels)
        self.do_actnorm = do_actnorm

    def forward(self, input):
        x = super().forward(input)
        if self.do_actnorm:
            x, _ = self.actnorm(x)
        return x


class Conv2dZeros(nn.Conv2d):
    def __init__(self, in_channels, out_channels,
                 kernel_size=[3, 3], stride=[1, 1],
                 padding="same", logscale_factor=3):
        padding = [((k - 1) * s + 1) // 2 for k, s in zip(kernel_size, stride)]
        super().__init__(in_channels, out_channels, kernel_size, stride, padding)
        self.logscale_factor = logscale_factor
        self.register_parameter("logs", nn.Parameter(torch.zeros(out_channels, 1, 1)))
        self.weight.data.zero_()
        self.bias.data.zero_()

    def forward(self, input):
        output = super().forward(input)
        return output * torch.exp(self.logs * self.logscale_factor)


class InvertibleConv1x1(nn.Module):
    def __init__(self, num_channels, LU_decomposed=False):
        super().__init__()
        w_shape = [num_channels, num_channels]
        w_init = torch.linalg.qr(torch.randn(*w_shape))[0]
        self.register_parameter("weight", nn.Parameter(w_init))
        self.w_shape = w_shape
        self.LU = LU_decomposed

    def get_weight(self, input, reverse):
        w_shape = self.w_shape
        dlogdet = torch.logdet(self.weight) * pixels(input)
        if not reverse:
            weight = self.weight.view(w_shape[0], w_shape[1], 1, 1)
        else:
            weight = torch.inverse(self.weight.double()).float().view(w_shape[0], w_shape[1], 1, 1)
        return weight, dlogdet

    def forward(self, input, logdet=None, reverse=False):
        weight, dlogdet = self.get_weight(input, reverse)
        z = F.conv2d(input, weight)
        if logdet is not None:
            logdet = logdet + dlogdet if not reverse else logdet - dlogdet
        return z, logdet


class GaussianDiag:
    Log2PI = float(math.log(2 * math.pi))

    @staticmethod
    def likelihood(mean, logs, x):
        return -0.5 * (logs * 2. + ((x - mean) ** 2) / torch.exp(logs * 2.) + GaussianDiag.Log2PI)

    @staticmethod
    def logp(mean, logs, x):
        likelihood = GaussianDiag.likelihood(mean, logs, x)
        return thops_sum(likelihood, dim=[1, 2, 3])


class Split2d(nn.Module):
    def __init__(self, num_channels):
        super().__init__()
        self.conv = Conv2dZeros(num_channels // 2, num_channels)

    def split2d_prior(self, z):
        h = self.conv(z)
        return split_feature(h, "cross")

    def forward(self, input, logdet=0., reverse=False, eps_std=None):
        z1, z2 = split_feature(input, "split")
        mean, logs = self.split2d_prior(z1)
        logdet = GaussianDiag.logp(mean, logs, z2) + logdet
        return z1, logdet


def squeeze2d(input, factor=2):
    size = input.size()
    B, C, H, W = size[0], size[1], size[2], size[3]
    x = input.view(B, C, H // factor, factor, W // factor, factor)
    x = x.permute(0, 1, 3, 5, 2, 4).contiguous()
    x = x.view(B, C * factor * factor, H // factor, W // factor)
    return x


class SqueezeLayer(nn.Module):
    def __init__(self, factor):
        super().__init__()
        self.factor = factor

    def forward(self, input, logdet=None, reverse=False):
        return squeeze2d(input, self.factor), logdet


# ---- glow/models.py
def f(in_channels, out_channels, hidden_channels):
    return nn.Sequential(
        Conv2d(in_channels, hidden_channels), nn.ReLU(inplace=True),
        Conv2d(hidden_channels, hidden_channels, kernel_size=[1, 1]), nn.ReLU(inplace=True),
        Conv2dZeros(hidden_channels, out_channels))


class FlowStep(nn.Module):
    def __init__(self, in_channels, hidden_channels, actnorm_scale=1.0,
                 flow_permutation="invconv", flow_coupling="additive", LU_decomposed=False):
        super().__init__()
        self.flow_permutation = flow_permutation
        self.flow_coupling = flow_coupling
        self.actnorm = ActNorm2d(in_channels, actnorm_scale)
        self.invconv = InvertibleConv1x1(in_channels, LU_decomposed=LU_decomposed)
        if flow_coupling == "additive":
            self.f = f(in_channels // 2, in_channels // 2, hidden_channels)
        elif flow_coupling == "affine":
            self.f = f(in_channels // 2, in_channels, hidden_channels)

    def forward(self, input, logdet=None, reverse=False):
        return self.normal_flow(input, logdet)

    def normal_flow(self, input, logdet):
        assert input.size(1) % 2 == 0
        # 1. actnorm
        z, logdet = self.actnorm(input, logdet=logdet, reverse=False)
        # 2. permute
        z, logdet = self.invconv(z, logdet, False)
        # 3. coupling
        z1, z2 = split_feature(z, "split")
        if self.flow_coupling == "additive":
            z2 = z2 + self.f(z1)
        elif self.flow_coupling == "affine":
            h = self.f(z1)
            shift, scale = split_feature(h, "cross")
            scale = torch.sigmoid(scale + 2.)
            z2 = z2 + shift
            z2 = z2 * scale
            logdet = thops_sum(torch.log(scale), dim=[1, 2, 3]) + logdet
        z = cat_feature(z1, z2)
        return z, logdet


class FlowNet(nn.Module):
    def __init__(self, image_shape, hidden_channels, K, L, actnorm_scale=1.0,
                 flow_permutation="invconv", flow_coupling="additive", LU_decomposed=False):
        super().__init__()
        self.layers = nn.ModuleList()
        self.output_shapes = []
        H, W, C = image_shape
        for i in range(L):
            C, H, W = C * 4, H // 2, W // 2
            self.layers.append(SqueezeLayer(factor=2))
            self.output_shapes.append([-1, C, H, W])
            for _ in range(K):
                self.layers.append(
                    FlowStep(in_channels=C, hidden_channels=hidden_channels,
                             actnorm_scale=actnorm_scale, flow_permutation=flow_permutation,
                             flow_coupling=flow_coupling, LU_decomposed=LU_decomposed))
                self.output_shapes.append([-1, C, H, W])
            if i < L - 1:
                self.layers.append(Split2d(num_channels=C))
                self.output_shapes.append([-1, C // 2, H, W])
                C = C // 2

    def forward(self, input, logdet=0., reverse=False, eps_std=None):
        z = input
        for layer, shape in zip(self.layers, self.output_shapes):
            z, logdet = layer(z, logdet, reverse=False)
        return z, logdet


def glow_nll(flow, x):
    # Glow.normal_flow with learn_top / y_condition off: the prior is zeros
    n_pixels = pixels(x)
    z = x + torch.normal(mean=torch.zeros_like(x), std=torch.ones_like(x) * (1. / 256.))
    logdet = torch.zeros_like(x[:, 0, 0, 0])
    logdet += float(-math.log(256.) * n_pixels)
    z, objective = flow(z, logdet=logdet, reverse=False)
    mean, logs = torch.zeros_like(z), torch.zeros_like(z)
    objective += GaussianDiag.logp(mean, logs, z)
    nll = (-objective) / float(math.log(2.) * n_pixels)
    return z, nll


torch.manual_seed(0)
flow = FlowNet(image_shape=(8, 8, 3), hidden_channels=16, K=2, L=2, flow_coupling="affine")
optimizer = torch.optim.Adam(flow.parameters(), lr=1e-3)
x = torch.rand(4, 3, 8, 8) - 0.5
z, nll = glow_nll(flow, x)
loss = torch.mean(nll)
optimizer.zero_grad()
loss.backward()
optimizer.step()
