# case: property-setter-writes-slot-of-parameter
# source: https://openillumi.com/en/en-pytorch-autograd-view-leaf-error-fix
# expect: markers
# torch: raises "a view of a leaf Variable that requires grad is being used in an in-place operation"

# The article's situation: a property setter does `self.param.pdfvec[self.key] = value`, an item assignment into
# a Parameter (a leaf that requires grad) with grad mode on. The article shows only that line; the classes around
# it (a module holding the Parameter, an object exposing one slot as a property) are completed here.
import torch
import torch.nn as nn


class PDFParam(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.pdfvec = nn.Parameter(torch.zeros(n))

    def forward(self, x):
        return x * torch.softmax(self.pdfvec, dim=0)


class Entry:
    """One slot of the distribution, read and written through a property."""

    def __init__(self, param, key):
        self.param = param
        self.key = key

    @property
    def value(self):
        return self.param.pdfvec[self.key]

    @value.setter
    def value(self, value):
        self.param.pdfvec[self.key] = value  # error: IPL002


param = PDFParam(4)
entry = Entry(param, 2)
entry.value = 1.5
