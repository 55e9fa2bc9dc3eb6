# case: modulelist-appended-linear-relu-inplace-chain
# source: inplace-lint issue #13 (look-alike: layers appended to an nn.ModuleList, applied in order in a loop)
# expect: clean
# torch: clean
# check: x.grad is not None

# An MLP kept as an nn.ModuleList of Linear and in-place ReLU layers, applied one after the other: each ReLU
# writes the output of the Linear before it, which saves its input, not its output. (The loop body runs once per
# layer, and every layer takes what the one before returned: which layer comes first must not be guessed.)
import torch
import torch.nn as nn


class MLP(nn.Module):
    def __init__(self, width=4, depth=3):
        super().__init__()
        self.layers = nn.ModuleList()
        for _ in range(depth):
            self.layers.append(nn.Linear(width, width))
            self.layers.append(nn.ReLU(inplace=True))

    def forward(self, x):
        x = torch.sigmoid(x)
        for layer in self.layers:
            x = layer(x)
        return x


x = torch.randn(3, 4, requires_grad=True)
MLP()(x).sum().backward()
