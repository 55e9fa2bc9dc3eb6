# case: submodule-chain-buffer-and-weight-under-no-grad
# source: inplace-lint issue #13 (look-alike: attribute chains through sub-modules and an nn.ModuleList index)
# expect: clean
# torch: clean
# check: torch.equal(model.encoder.layers[1].norm.running_mean, torch.zeros(4)) and model.encoder.layers[0].proj.weight[0, 0].item() == 0.0

# Reaching into a model's tree: a BatchNorm's running mean is a buffer (it does not require grad), so it may be
# reset in place; a Linear's weight is a Parameter, edited here under torch.no_grad().
import torch
from torch import nn


class Layer(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(4, 4)
        self.norm = nn.BatchNorm1d(4)


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([Layer() for _ in range(2)])


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = Encoder()


model = Model()
model.encoder.layers[1].norm.running_mean += 1.0
model.encoder.layers[1].norm.running_mean.zero_()
with torch.no_grad():
    model.encoder.layers[0].proj.weight[0, :] = 0.0
