# case: dig-spherenet-bessel-freq-arange-out-parameter
# source: https://github.com/divelab/DIG/issues/103
# expect: markers
# torch: raises "don't support automatic differentiation, but one of the arguments requires grad"

# DIG's SphereNet (dig/threedgraph/method/spherenet/features.py): the radial basis
# `dist_emb` holds `self.freq = torch.nn.Parameter(torch.Tensor(num_radial))` and its
# reset_parameters() fills it with `torch.arange(1, n + 1, out=self.freq).mul_(PI)`,
# writing into a Parameter that requires grad outside no_grad. Building the model
# (SphereNet(...) -> emb(...) -> dist_emb(...) -> reset_parameters) raises. The fix
# (DIG issue #77, and PyG's DimeNet) wraps the fill in torch.no_grad(). Trimmed: the
# spherical basis and interaction blocks are cut; the envelope and the forward are kept.
# note: torch of the report said "a leaf Variable that requires grad is being used in an
# in-place operation"; torch 2.13 rejects the `out=` write into the leaf first, with
# "functions with out=... arguments don't support automatic differentiation".
import torch
from math import pi as PI


class Envelope(torch.nn.Module):
    def __init__(self, exponent):
        super(Envelope, self).__init__()
        self.p = exponent + 1
        self.a = -(self.p + 1) * (self.p + 2) / 2
        self.b = self.p * (self.p + 2)
        self.c = -self.p * (self.p + 1) / 2

    def forward(self, x):
        p, a, b, c = self.p, self.a, self.b, self.c
        x_pow_p0 = x.pow(p - 1)
        x_pow_p1 = x_pow_p0 * x
        x_pow_p2 = x_pow_p1 * x
        return 1. / x + a * x_pow_p0 + b * x_pow_p1 + c * x_pow_p2


class dist_emb(torch.nn.Module):
    def __init__(self, num_radial, cutoff=5.0, envelope_exponent=5):
        super(dist_emb, self).__init__()
        self.cutoff = cutoff
        self.envelope = Envelope(envelope_exponent)

        self.freq = torch.nn.Parameter(torch.Tensor(num_radial))

        self.reset_parameters()

    def reset_parameters(self):
        torch.arange(1, self.freq.numel() + 1, out=self.freq).mul_(PI)  # error: IPL001

    def forward(self, dist):
        dist = dist.unsqueeze(-1) / self.cutoff
        return self.envelope(dist) * (self.freq * dist).sin()


class emb(torch.nn.Module):
    def __init__(self, num_spherical, num_radial, cutoff, envelope_exponent):
        super(emb, self).__init__()
        self.dist_emb = dist_emb(num_radial, cutoff, envelope_exponent)
        self.reset_parameters()

    def reset_parameters(self):
        self.dist_emb.reset_parameters()

    def forward(self, dist):
        return self.dist_emb(dist)


class SphereNet(torch.nn.Module):
    def __init__(self, cutoff=5.0, num_spherical=3, num_radial=6, envelope_exponent=5, hidden_channels=8):
        super(SphereNet, self).__init__()
        self.cutoff = cutoff
        self.emb = emb(num_spherical, num_radial, self.cutoff, envelope_exponent)
        self.lin = torch.nn.Linear(num_radial, hidden_channels)

    def forward(self, pos, edge_index):
        i, j = edge_index
        dist = (pos[i] - pos[j]).pow(2).sum(dim=-1).sqrt()
        return self.lin(self.emb(dist))


torch.manual_seed(0)
model = SphereNet(cutoff=5.0)
pos = torch.randn(5, 3)
edge_index = torch.tensor([[0, 1, 2, 3], [1, 2, 3, 4]])
model(pos, edge_index).sum().backward()
