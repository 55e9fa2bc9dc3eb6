# case: constructor-inplace-flag-default-and-reassigned-constant
# source: inplace-lint issue #13 (look-alike of constructor-inplace-flag-passed-through-after-sigmoid)
# expect: clean
# torch: clean
# check: first.fc.weight.grad is not None and second.fc.weight.grad is not None

# The same block built with its default `inplace=False`, and with a module-level flag that is True at first but
# set to False before it is used: only a name bound once is a constant, and neither ReLU writes in place.
import torch
import torch.nn as nn

INPLACE = True
INPLACE = False


class Block(nn.Module):
    def __init__(self, width, inplace=False):
        super().__init__()
        self.fc = nn.Linear(width, width)
        self.act = nn.ReLU(inplace=inplace)

    def forward(self, x):
        gate = torch.sigmoid(self.fc(x))
        return self.act(gate)


first = Block(4)
first(torch.randn(2, 4)).sum().backward()
second = Block(4, inplace=INPLACE)
second(torch.randn(2, 4)).sum().backward()
