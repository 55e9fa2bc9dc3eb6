# case: forward-param-sigmoid-then-mul
# source: inplace-lint issue #13 (the Gate example)
# expect: markers
# torch: raises "which is output 0 of Sigmoid, is at version 1"

import torch
import torch.nn as nn


class Gate(nn.Module):
    def forward(self, x):
        h = torch.sigmoid(x)
        h.mul_(2)  # error: IPL003
        return h


Gate()(torch.randn(4, requires_grad=True)).sum().backward()
