# case: dataclass-config-selects-in-place-scale-of-sigmoid-output
# source: https://github.com/NX-AI/xlstm/pull/82
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# Model options held in a `@dataclass` config, as xLSTM's `CausalConv1dConfig` does: the block reads
# `self.config.fused` to choose between an in-place and an out-of-place scaling. Built with `fused=True`, the in-place
# branch runs and overwrites what sigmoid saved.
from dataclasses import dataclass

import torch
from torch import nn


@dataclass
class GateConfig:
    dim: int = 4
    fused: bool = False


class Gate(nn.Module):
    def __init__(self, config: GateConfig):
        super().__init__()
        self.config = config
        self.proj = nn.Linear(config.dim, config.dim)

    def forward(self, x):
        h = torch.sigmoid(self.proj(x))
        if self.config.fused:
            h.mul_(2.0)  # error: IPL003
        else:
            h = h * 2.0
        return h


gate = Gate(GateConfig(dim=4, fused=True))
gate(torch.randn(3, 4)).sum().backward()
