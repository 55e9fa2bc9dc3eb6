# case: wolf-nice-affine-scales-chunk-of-coupling-params-out-of-place
# source: https://github.com/XuezheMax/wolf/pull/1
# expect: clean
# torch: clean
# check: all(p.grad is not None for p in flows[0].net.parameters()) and bool(torch.isfinite(loss))

# Wolf (XuezheMax/wolf), Affine.calc_params in
# wolf/flows/couplings/transform.py written the way the maintainer proposes
# in the PR's review: `scale = log_scale.mul(0.5).tanh().mul(self.alpha).add(1.0)`,
# the out-of-place chain, so the chunk() output of the coupling network's
# params is only read. The NICEMLPBlock's in-place ELU activations stay: they
# write Linear outputs, which Linear does not save. Kept: Transform, Affine,
# NICEMLPBlock, LinearWeightNorm, NICE1d (continuous split, affine
# transform) and its Flow base. Completed: two stacked NICE1d layers trained
# by maximum likelihood under a standard normal prior on random data; tiny
# sizes.
import math
from typing import Tuple

import torch
import torch.nn as nn


# ---- wolf/flows/couplings/transform.py
class Transform():
    def calc_params(self, params):
        return params

    @staticmethod
    def fwd(z: torch.Tensor, params) -> Tuple[torch.Tensor, torch.Tensor]:
        raise NotImplementedError

    @staticmethod
    def bwd(z: torch.Tensor, params) -> Tuple[torch.Tensor, torch.Tensor]:
        raise NotImplementedError


class Affine(Transform):
    def __init__(self, dim, alpha):
        super(Affine, self).__init__()
        self.dim = dim
        self.alpha = alpha

    def calc_params(self, params):
        mu, log_scale = params.chunk(2, dim=self.dim)
        scale = log_scale.mul(0.5).tanh().mul(self.alpha).add(1.0)
        return mu, scale

    @staticmethod
    def fwd(z: torch.Tensor, params) -> Tuple[torch.Tensor, torch.Tensor]:
        mu, scale = params
        z = scale * z + mu
        logdet = scale.log().view(z.size(0), -1).sum(dim=1)
        return z, logdet

    @staticmethod
    def bwd(z: torch.Tensor, params) -> Tuple[torch.Tensor, torch.Tensor]:
        mu, scale = params
        z = (z - mu).div(scale + 1e-12)
        logdet = scale.log().view(z.size(0), -1).sum(dim=1) * -1.0
        return z, logdet


# ---- wolf/nnet/weight_norm.py
class LinearWeightNorm(nn.Module):
    def __init__(self, in_features, out_features, bias=True):
        super(LinearWeightNorm, self).__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.linear = nn.Linear(in_features, out_features, bias=bias)
        self.reset_parameters()

    def reset_parameters(self):
        nn.init.normal_(self.linear.weight, mean=0.0, std=0.05)
        if self.linear.bias is not None:
            nn.init.constant_(self.linear.bias, 0)
        self.linear = nn.utils.weight_norm(self.linear)

    def forward(self, input):
        return self.linear(input)


# ---- wolf/flows/couplings/blocks.py
class NICEMLPBlock(nn.Module):
    def __init__(self, in_features, out_features, hidden_features, activation):
        super(NICEMLPBlock, self).__init__()
        assert activation in ['relu', 'elu', 'leaky_relu']
        self.fc1 = nn.Linear(in_features, hidden_features, bias=True)
        self.fc2 = nn.Linear(hidden_features, hidden_features, bias=True)
        self.fc3 = LinearWeightNorm(hidden_features, out_features, bias=True)
        if activation == 'relu':
            self.activation = nn.ReLU(inplace=True)
        elif activation == 'elu':
            self.activation = nn.ELU(inplace=True)
        else:
            self.activation = nn.LeakyReLU(inplace=True, negative_slope=0.1)
        self.reset_parameters()

    def reset_parameters(self):
        nn.init.constant_(self.fc1.bias, 0.0)
        nn.init.constant_(self.fc2.bias, 0.0)

    def forward(self, x):
        out = self.activation(self.fc1(x))
        out = self.activation(self.fc2(out))
        out = self.fc3(out)
        return out


# ---- wolf/flows/flow.py
class Flow(nn.Module):
    def __init__(self, inverse):
        super(Flow, self).__init__()
        self.inverse = inverse

    def fwdpass(self, x, *h, **kwargs):
        if self.inverse:
            return self.backward(x, *h, **kwargs)
        else:
            return self.forward(x, *h, **kwargs)


# ---- wolf/flows/couplings/coupling.py
class NICE1d(Flow):
    """
    NICE Flow for 1D data
    """
    def __init__(self, in_features, hidden_features=None, inverse=False, split_type='continuous',
                 order='up', transform='affine', alpha=1.0, type='mlp', activation='elu'):
        super(NICE1d, self).__init__(inverse)
        self.in_features = in_features
        self.factor = 2
        assert split_type in ['continuous', 'skip']
        assert in_features % self.factor == 0
        assert order in ['up', 'down']
        self.split_type = split_type
        self.up = order == 'up'

        if hidden_features is None:
            hidden_features = min(8 * in_features, 512)

        out_features = in_features // self.factor
        in_features = in_features - out_features
        self.z1_features = in_features if self.up else out_features

        assert transform in ['affine']
        self.transform = Affine(dim=-1, alpha=alpha)
        self.analytic_bwd = True
        out_features = out_features * 2

        assert type in ['mlp']
        if type == 'mlp':
            self.net = NICEMLPBlock(in_features, out_features, hidden_features, activation)

    def split(self, z):
        split_dim = z.dim() - 1
        dim = z.size(split_dim)
        return z.split([self.z1_features, dim - self.z1_features], dim=split_dim)

    def unsplit(self, z1, z2):
        split_dim = z1.dim() - 1
        return torch.cat([z1, z2], dim=split_dim)

    def calc_params(self, z: torch.Tensor):
        params = self.net(z)
        return params

    def forward(self, input: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        # [batch, length, in_channels]
        z1, z2 = self.split(input)
        # [batch, length, features]
        z, zp = (z1, z2) if self.up else (z2, z1)

        params = self.transform.calc_params(self.calc_params(z))
        zp, logdet = self.transform.fwd(zp, params)

        z1, z2 = (z, zp) if self.up else (zp, z)
        return self.unsplit(z1, z2), logdet


torch.manual_seed(0)
flows = nn.ModuleList([NICE1d(4, hidden_features=16, order='up'),
                       NICE1d(4, hidden_features=16, order='down')])
optimizer = torch.optim.Adam(flows.parameters(), lr=1e-3)

x = torch.randn(8, 3, 4)   # [batch, length, features]
z = x
logdet = torch.zeros(x.size(0))
for flow in flows:
    z, ld = flow.fwdpass(z)
    logdet = logdet + ld
log_prior = (-0.5 * z.pow(2) - 0.5 * math.log(2 * math.pi)).view(z.size(0), -1).sum(dim=1)
loss = -(log_prior + logdet).mean()
optimizer.zero_grad()
loss.backward()
optimizer.step()
