# case: dataclass-config-selects-out-of-place-scale-of-sigmoid-output
# source: https://github.com/NX-AI/xlstm/pull/82
# expect: clean
# torch: clean
# check: gate.proj.weight.grad is not None

# Model options held in a `@dataclass` config, as xLSTM's `CausalConv1dConfig` does: the block reads
# `self.config.fused` to choose between an in-place and an out-of-place scaling. Built with the default `fused=False`,
# only the out-of-place branch runs.
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
            h.mul_(2.0)
        else:
            h = h * 2.0
        return h


gate = Gate(GateConfig(dim=4))
gate(torch.randn(3, 4)).sum().backward()
