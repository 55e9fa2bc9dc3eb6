# case: deep-helper-chain-writes-leaf-parameter-no-grad
# expect: clean
# torch: clean
# check: torch.allclose(model.weight, w0 * 0.9)

# The same chain as deep-helper-chain-writes-leaf-parameter, with the update made under torch.no_grad() by the
# caller: the summary's write is replayed with the caller's grad mode, off, so nothing is reported.
import torch
import torch.nn as nn


def scale_one(t, factor):
    t.mul_(factor)


def scale_all(tensors, factor):
    for t in tensors:
        scale_one(t, factor)


def apply_update(model, factor):
    with torch.no_grad():
        scale_all([model.weight, model.bias], factor)


def train_step(model, x):
    model(x).sum().backward()
    apply_update(model, 0.9)


model = nn.Linear(4, 2)
w0 = model.weight.detach().clone()
train_step(model, torch.randn(3, 4))
