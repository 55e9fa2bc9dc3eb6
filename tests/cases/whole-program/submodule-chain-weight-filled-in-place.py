# case: submodule-chain-weight-filled-in-place
# source: inplace-lint issue #13 (a Parameter reached through sub-modules and an nn.ModuleList index)
# expect: markers
# torch: raises "a leaf Variable that requires grad is being used in an in-place operation"

import torch
from torch import nn


class Layer(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(4, 4)


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([Layer() for _ in range(2)])


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = Encoder()


model = Model()
model.encoder.layers[0].proj.bias.fill_(0.0)  # error: IPL001
