# case: property-setter-writes-slot-of-buffer
# source: inplace-lint issue #13 (look-alike of property-setter-writes-slot-of-parameter)
# expect: clean
# torch: clean
# check: param.weights[2].item() == 1.5

# The same property setter writing one slot, but of a buffer: it does not require grad, so the item assignment
# is fine with grad mode on.
import torch
import torch.nn as nn


class PDFParam(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.register_buffer("weights", torch.zeros(n))

    def forward(self, x):
        return x * torch.softmax(self.weights, dim=0)


class Entry:
    def __init__(self, param, key):
        self.param = param
        self.key = key

    @property
    def value(self):
        return self.param.weights[self.key]

    @value.setter
    def value(self, value):
        self.param.weights[self.key] = value


param = PDFParam(4)
entry = Entry(param, 2)
entry.value = 1.5
