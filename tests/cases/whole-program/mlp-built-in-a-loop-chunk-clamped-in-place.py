# case: mlp-built-in-a-loop-chunk-clamped-in-place
# source: inplace-lint issue #13 (nn.Sequential(*layers) of a list filled in a loop: its output requires grad)
# expect: markers
# torch: raises "This view is the output of a function that returns multiple views"

import torch
import torch.nn as nn


def build_mlp(sizes):
    layers = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers.append(nn.Linear(a, b))
        layers.append(nn.Tanh())
    layers.append(nn.Linear(sizes[-1], 4))
    return nn.Sequential(*layers)


class Policy(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = build_mlp([6, 16, 16])

    def sample(self, obs):
        mean, log_std = self.net(obs).chunk(2, dim=-1)
        log_std.clamp_(-5, 2)  # error: IPL009
        return mean + log_std.exp() * torch.randn_like(mean)


Policy().sample(torch.randn(3, 6)).sum().backward()
