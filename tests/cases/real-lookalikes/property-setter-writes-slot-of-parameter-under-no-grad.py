# case: property-setter-writes-slot-of-parameter-under-no-grad
# source: https://openillumi.com/en/en-pytorch-autograd-view-leaf-error-fix
# expect: clean
# torch: clean
# check: param.pdfvec[2].item() == 1.5 and param.pdfvec.is_leaf and param.pdfvec.grad is not None

# The article's preferred fix: the setter writes the slot under torch.no_grad(), so the Parameter stays a leaf and
# still trains.
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
        with torch.no_grad():
            self.param.pdfvec[self.key] = value


param = PDFParam(4)
entry = Entry(param, 2)
entry.value = 1.5
param(torch.ones(4)).pow(2).sum().backward()
