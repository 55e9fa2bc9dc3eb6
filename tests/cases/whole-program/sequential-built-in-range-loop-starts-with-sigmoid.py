# case: sequential-built-in-range-loop-starts-with-sigmoid
# expect: clean
# torch: clean
# check: net.body[1].weight.grad is not None and net.body[-1].weight.grad is not None

# sequential-built-in-range-loop-ends-with-sigmoid with the Sigmoid appended on the first pass instead of the last:
# the Sequential ends with a Linear, which saves its input, not its output, so adding the residual into that output
# in place breaks nothing.
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, depth=3):
        super().__init__()
        layers = []
        for i in range(depth):
            if i == 0:
                layers.append(nn.Sigmoid())
            layers.append(nn.Linear(8, 8))
        self.body = nn.Sequential(*layers)

    def forward(self, x):
        out = self.body(x)
        out += x
        return out


net = Net()
net(torch.randn(2, 8, requires_grad=True)).sum().backward()
