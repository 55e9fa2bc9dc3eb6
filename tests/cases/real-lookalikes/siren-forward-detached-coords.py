# case: siren-forward-detached-coords
# source: https://github.com/vsitzmann/siren/issues/12
# expect: clean
# torch: clean
# check: coords_in.grad is None and torch.isfinite(grad).all() and model.net[0].weight.grad is not None

# explore_siren.ipynb's forward: `coords.clone().detach().requires_grad_(True)` "allows to take derivative w.r.t.
# input". The detached copy is meant to be a new leaf: the derivative is taken w.r.t. the returned copy, and
# nobody reads the original coords' .grad.
import torch
from torch import nn


class Siren(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1))

    def forward(self, coords):
        coords = coords.clone().detach().requires_grad_(True)  # allows to take derivative w.r.t. input
        output = self.net(coords)
        return output, coords


torch.manual_seed(0)
model = Siren()
coords_in = torch.rand(5, 2)
output, coords_out = model(coords_in)
grad = torch.autograd.grad(output, coords_out, torch.ones_like(output), create_graph=True)[0]
grad.pow(2).sum().backward()
