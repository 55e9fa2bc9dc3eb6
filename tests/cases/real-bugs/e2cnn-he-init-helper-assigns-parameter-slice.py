# case: e2cnn-he-init-helper-assigns-parameter-slice
# source: https://github.com/QUVA-Lab/e2cnn/issues/34
# expect: markers
# torch: raises "leaf Variable that requires grad is being used in an in-place operation"

# The thread: metalearning-symmetries' generate_synthetic_data.py (generate_2d_rot8) re-initialises an R2Conv for
# every synthetic task with `gnn.init.generalized_he_init(conv.weights, conv.basisexpansion)`; the helper ends with
# `tensor[:] = vars * torch.randn_like(tensor)`, a slice assignment into what it was given, here the module's
# Parameter, and raises "a view of a leaf Variable that requires grad is being used in an in-place operation."
# (torch 2.13 writes a full-slice assignment straight into the leaf and says "a leaf Variable ..." instead.)
# R2Conv's own constructor passes `self.weights.data` (that call is left out here, the weights start at zero);
# the maintainer suggested doing the same, or `torch.no_grad()` inside the init functions as torch.nn.init does.
# Reduced: the steerable basis is replaced by a small fixed random basis with the same interface (dimension(),
# get_basis_info(), and a forward that expands the weights into a filter); the field types, GeometricTensor and
# the numpy/npz output are dropped (the loop keeps plain tensors); 3 tasks of 2 images 6x6 instead of 10000 of 20.

import math
from collections import defaultdict

import torch
from torch.nn import Parameter
from torch.nn.functional import conv2d


class BlocksBasisExpansion(torch.nn.Module):
    def __init__(self, in_size, out_size, kernel_size, dim=6):
        super().__init__()
        self.in_size, self.out_size, self.kernel_size = in_size, out_size, kernel_size
        self.register_buffer("basis", torch.randn(dim, out_size, in_size, kernel_size * kernel_size))
        self._info = [{"in_irreps_position": 0, "out_irreps_position": d % out_size,
                       "in_irrep": "irrep_0", "out_irrep": "irrep_%d" % (d % 2)} for d in range(dim)]

    def dimension(self):
        return self.basis.shape[0]

    def get_basis_info(self):
        return iter(self._info)

    def forward(self, weights):
        return torch.einsum("d,doik->oik", weights, self.basis)


def _generalized_he_init_variances(basisexpansion):
    vars = torch.ones((basisexpansion.dimension(),))
    inputs_count = defaultdict(lambda: set())
    basis_count = defaultdict(int)
    basis_info = list(basisexpansion.get_basis_info())
    for attr in basis_info:
        i, o = attr["in_irreps_position"], attr["out_irreps_position"]
        in_irrep, out_irrep = attr["in_irrep"], attr["out_irrep"]
        inputs_count[o].add(in_irrep)
        basis_count[(in_irrep, o)] += 1
    for o in inputs_count.keys():
        inputs_count[o] = len(inputs_count[o])
    for w, attr in enumerate(basis_info):
        i, o = attr["in_irreps_position"], attr["out_irreps_position"]
        in_irrep, out_irrep = attr["in_irrep"], attr["out_irrep"]
        vars[w] = 1. / math.sqrt(inputs_count[o] * basis_count[(in_irrep, o)])
    return vars


def generalized_he_init(tensor, basisexpansion):
    assert tensor.shape == (basisexpansion.dimension(),)
    vars = _generalized_he_init_variances(basisexpansion)
    tensor[:] = vars * torch.randn_like(tensor)  # error: IPL002


class R2Conv(torch.nn.Module):
    def __init__(self, in_size, out_size, kernel_size, padding=0):
        super().__init__()
        self.kernel_size = kernel_size
        self.padding = padding
        self._basisexpansion = BlocksBasisExpansion(in_size, out_size, kernel_size)
        self.weights = Parameter(torch.zeros(self.basisexpansion.dimension()), requires_grad=True)

    @property
    def basisexpansion(self):
        return self._basisexpansion

    def expand_parameters(self):
        filter = self.basisexpansion(self.weights)
        return filter.reshape(filter.shape[0], filter.shape[1], self.kernel_size, self.kernel_size)

    def forward(self, input):
        filter = self.expand_parameters()
        return conv2d(input, filter, padding=self.padding)


def generate_2d_rot8(num_tasks=3):
    conv = R2Conv(1, 3, kernel_size=3)
    xs, ys, ws = [], [], []
    for task_idx in range(num_tasks):
        generalized_he_init(conv.weights, conv.basisexpansion)
        inp = torch.randn(2, 1, 6, 6)
        result = conv(inp).detach()
        xs.append(inp)
        ys.append(result)
        ws.append(conv.weights.detach().clone())
    return conv, torch.stack(xs), torch.stack(ys), torch.stack(ws)


torch.manual_seed(0)
conv, xs, ys, ws = generate_2d_rot8()
