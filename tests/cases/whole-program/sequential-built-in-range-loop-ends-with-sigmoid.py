# case: sequential-built-in-range-loop-ends-with-sigmoid
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# The body is built in a `for i in range(depth)` loop that appends a Sigmoid after the last Linear only: the
# Sequential ends with the Sigmoid, which saved its output, and the residual is added into that output in place.
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, depth=3):
        super().__init__()
        layers = []
        for i in range(depth):
            layers.append(nn.Linear(8, 8))
            if i == depth - 1:
                layers.append(nn.Sigmoid())
        self.body = nn.Sequential(*layers)

    def forward(self, x):
        out = self.body(x)
        out += x  # error: IPL003
        return out


Net()(torch.randn(2, 8, requires_grad=True)).sum().backward()
