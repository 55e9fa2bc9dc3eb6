# case: e2cnn-he-init-helper-writes-under-no-grad
# source: https://github.com/QUVA-Lab/e2cnn/issues/34
# expect: clean
# torch: clean
# check: conv.weights.is_leaf and conv.weights.requires_grad and torch.equal(ws[-1], conv.weights.detach()) and not torch.equal(ws[0], ws[1]) and torch.allclose(ys[-1], torch.nn.functional.conv2d(xs[-1], conv.expand_parameters().detach()))

# The look-alike of e2cnn-he-init-helper-assigns-parameter-slice: the same re-initialisation of the R2Conv's
# Parameter for every task, with the helper doing its slice assignment under `torch.no_grad()`, as the maintainer
# proposed in the thread ("PyTorch uses with torch.no_grad() inside the init methods, so maybe I should do the
# same"). The weights stay a leaf that requires grad and every task gets fresh ones.

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
    with torch.no_grad():
        tensor[:] = vars * torch.randn_like(tensor)


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
