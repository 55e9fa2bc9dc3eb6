# case: namespace-config-without-scale-writes-embedding-view
# source: inplace-lint (the config shape of https://github.com/OpenBMB/MiniCPM-V/issues/730, reduced)
# expect: markers
# torch: raises "a view of a leaf Variable that requires grad is being used in an in-place operation"

# The config is a `SimpleNamespace` without `scale_emb`: `hasattr` is False, the embedding is used as it is (a leaf
# that requires grad here), and the write into a row of it raises.
from types import SimpleNamespace

import torch
import torch.nn as nn


class Model(nn.Module):
    def __init__(self, hidden=4):
        super().__init__()
        self.config = SimpleNamespace(hidden_size=hidden)
        self.table = nn.Parameter(torch.randn(6, hidden))

    def forward(self, vision):
        if hasattr(self.config, "scale_emb"):
            emb = self.table * self.config.scale_emb
        else:
            emb = self.table
        row = emb[0]
        row.add_(vision)  # error: IPL002
        return emb.sum()


Model()(torch.randn(4)).backward()
