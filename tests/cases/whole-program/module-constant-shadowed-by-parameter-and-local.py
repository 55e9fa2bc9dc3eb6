# case: module-constant-shadowed-by-parameter-and-local
# source: inplace-lint issue #13 (look-alike: a module-level flag whose name a function rebinds)
# expect: clean
# torch: clean
# check: x.grad is not None

# INPLACE is True at module level, but the helpers read their own INPLACE -- a parameter given False, a local
# set to False -- so neither ReLU that follows a Sigmoid writes in place.
import torch
import torch.nn as nn

INPLACE = True


def gate(x, INPLACE):
    return nn.ReLU(inplace=INPLACE)(torch.sigmoid(x))


def gate_local(x):
    INPLACE = False
    return nn.ReLU(inplace=INPLACE)(torch.sigmoid(x))


x = torch.randn(3, requires_grad=True)
(gate(x, False) + gate_local(x)).sum().backward()
