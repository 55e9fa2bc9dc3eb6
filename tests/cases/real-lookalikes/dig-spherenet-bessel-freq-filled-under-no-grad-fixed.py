# case: dig-spherenet-bessel-freq-filled-under-no-grad-fixed
# source: https://github.com/divelab/DIG/issues/103
# expect: clean
# torch: clean
# check: torch.allclose(model.emb.dist_emb.freq.detach(), torch.arange(1, 7).float() * PI) and model.emb.dist_emb.freq.grad is not None

# Look-alike of dig-spherenet-bessel-freq-arange-out-parameter with the fix DIG adopted
# (the one PyG's DimeNet BesselBasisLayer uses): the arange/mul_ fill of the frequency
# Parameter runs under torch.no_grad(), then requires_grad_() is set again, so the
# frequencies are still trained.
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
        with torch.no_grad():
            torch.arange(1, self.freq.numel() + 1, out=self.freq).mul_(PI)
        self.freq.requires_grad_()

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
