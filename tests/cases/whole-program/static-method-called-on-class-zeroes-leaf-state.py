# case: static-method-called-on-class-zeroes-leaf-state
# expect: markers
# torch: raises "a leaf Variable that requires grad is being used in an in-place operation"

# A neuron class clears hidden states with a static method called on the class (snntorch's
# `SpikingNeuron.zeros(*args)`); the state it is given is a leaf that requires grad.
import torch
import torch.nn as nn


class Neuron(nn.Module):
    @staticmethod
    def zeros(*args):
        for state in args:
            state.zero_()  # error: IPL001


mem = torch.ones(2, 4, requires_grad=True)
Neuron.zeros(mem)
