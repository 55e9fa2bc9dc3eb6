# case: module-dict-comprehension-sigmoid-output-added-in-place
# source: inplace-lint (the ModuleDict shape of https://github.com/dmlc/dgl/issues/4202, reduced)
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# The gates live in an `nn.ModuleDict` built by a dict comprehension and are looked up by `str(k)`: whichever key,
# the layer is an `nn.Sigmoid`, which saves its output, and the `+=` rewrites that output.
import torch
import torch.nn as nn


class Gates(nn.Module):
    def __init__(self, k=2):
        super().__init__()
        self.k = k
        self.gates = nn.ModuleDict({str(i): nn.Sigmoid() for i in range(k)})

    def forward(self, x):
        total = None
        for i in range(self.k):
            out = self.gates[str(i)](x)
            out += 1  # error: IPL003
            total = out if total is None else total + out
        return total


Gates()(torch.randn(3, requires_grad=True)).sum().backward()
