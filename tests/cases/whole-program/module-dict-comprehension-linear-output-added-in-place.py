# case: module-dict-comprehension-linear-output-added-in-place
# source: inplace-lint (the look-alike of module-dict-comprehension-sigmoid-output-added-in-place)
# expect: clean
# torch: clean
# check: all(p.grad is not None for p in m.parameters())

# The same lookup, with `nn.Linear` layers: a Linear saves its input and weight, not its output, so adding into
# its output in place is fine.
import torch
import torch.nn as nn


class Heads(nn.Module):
    def __init__(self, k=2):
        super().__init__()
        self.k = k
        self.heads = nn.ModuleDict({str(i): nn.Linear(3, 3) for i in range(k)})

    def forward(self, x):
        total = None
        for i in range(self.k):
            out = self.heads[str(i)](x)
            out += 1
            total = out if total is None else total + out
        return total


m = Heads()
m(torch.randn(2, 3, requires_grad=True)).sum().backward()
