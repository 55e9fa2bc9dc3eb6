# case: branch-save-write-on-the-other-path
# source: inplace-lint issue #13
# expect: clean
# torch: clean
# check: all(p.grad is not None for p in proj.parameters()) and plain.conv.weight.grad is not None

# The shortcut conv saves x only `if self.resize`; the in-place activation of x runs only `if not self.resize`,
# the other path, where x was not saved (and the identity is a copy). Both configurations run.
import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.resize = cin != cout
        if self.resize:
            self.shortcut = nn.Conv2d(cin, cout, 1)
        self.act = nn.ReLU(inplace=True)
        self.conv = nn.Conv2d(cin, cout, 3, padding=1)

    def forward(self, x):
        if self.resize:
            identity = self.shortcut(x)
        else:
            identity = x.clone()
        if not self.resize:
            x = self.act(x)
        return self.conv(x) + identity


torch.manual_seed(0)
stem = nn.Conv2d(1, 2, 1)
proj = Block(2, 3)
plain = Block(2, 2)
proj(stem(torch.rand(1, 1, 4, 4))).sum().backward()
plain(stem(torch.rand(1, 1, 4, 4))).sum().backward()
