# case: deep-helper-chain-writes-leaf-parameter
# expect: markers
# torch: raises "a leaf Variable that requires grad is being used in an in-place operation"

# The write sits four calls below the code that owns the parameter (train_step -> apply_update -> scale_all ->
# scale_one): deeper than the call-site analysis follows, so it is found through scale_one's summary (it writes its
# first parameter in place), replayed on the Parameter at the call.
import torch
import torch.nn as nn


def scale_one(t, factor):
    t.mul_(factor)  # error: IPL001


def scale_all(tensors, factor):
    for t in tensors:
        scale_one(t, factor)


def apply_update(model, factor):
    scale_all([model.weight, model.bias], factor)


def train_step(model, x):
    model(x).sum().backward()
    apply_update(model, 0.9)


train_step(nn.Linear(4, 2), torch.randn(3, 4))
