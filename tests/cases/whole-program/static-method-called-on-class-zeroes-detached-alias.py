# case: static-method-called-on-class-zeroes-detached-alias
# expect: clean
# torch: clean
# check: bool((mem == 0).all()) and mem.requires_grad

# The static method of static-method-called-on-class-zeroes-leaf-state with snntorch's fix (PR 443): it zeroes
# `state.detach()`, an alias autograd does not track, so the leaf's values are cleared without an in-place
# operation on the leaf itself.
import torch
import torch.nn as nn


class Neuron(nn.Module):
    @staticmethod
    def zeros(*args):
        for state in args:
            state.detach().zero_()


mem = torch.ones(2, 4, requires_grad=True)
Neuron.zeros(mem)
