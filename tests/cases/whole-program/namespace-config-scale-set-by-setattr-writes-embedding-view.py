# case: namespace-config-scale-set-by-setattr-writes-embedding-view
# source: inplace-lint (the look-alike of namespace-config-without-scale-writes-embedding-view)
# expect: clean
# torch: clean
# check: torch.allclose(m.table.grad, torch.full((6, 4), 2.0))

# The config gets `scale_emb` through `setattr` with a name computed at run time: `hasattr` is True, though the
# constructor did not give it; the write goes into a row of the scaled copy.
from types import SimpleNamespace

import torch
import torch.nn as nn


class Model(nn.Module):
    def __init__(self, hidden=4, extra=(("scale_emb", 2.0),)):
        super().__init__()
        self.config = SimpleNamespace(hidden_size=hidden)
        for key, value in extra:
            setattr(self.config, key, value)
        self.table = nn.Parameter(torch.randn(6, hidden))

    def forward(self, vision):
        if hasattr(self.config, "scale_emb"):
            emb = self.table * self.config.scale_emb
        else:
            emb = self.table
        row = emb[0]
        row.add_(vision)
        return emb.sum()


m = Model()
m(torch.randn(4)).backward()
