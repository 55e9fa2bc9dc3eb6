# case: branch-conv-then-inplace-add-main
# source: https://discuss.pytorch.org/t/when-would-the-error-one-of-the-variables-needed-for-gradient-computation-has-been-modified-occur/11976/2
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# The forum question: a block bifurcates the data flow, `x = self.conv1(input)` feeds a side
# branch `x_p = self.conv1_p(x)`, and then the main branch does `x += some_layer`. The side
# conv saved x for its backward (to get its weight gradient), so the in-place add breaks
# backward; `x = x + some_layer` works. The thread only shows the three lines; completed
# plausibly as a small two-branch block whose outputs are both used.
import torch
import torch.nn as nn


class TwoBranchBlock(nn.Module):
    def __init__(self, c=4):
        super().__init__()
        self.conv1 = nn.Conv2d(3, c, 3, padding=1)
        self.conv1_p = nn.Conv2d(c, c, 1)
        self.shortcut = nn.Conv2d(3, c, 1)

    def forward(self, input):
        x = self.conv1(input)  # main branch
        x_p = self.conv1_p(x)  # another branch
        some_layer = self.shortcut(input)
        x += some_layer  # error: IPL003
        return x, x_p


block = TwoBranchBlock()
x, x_p = block(torch.randn(2, 3, 6, 6))
(x.sum() + x_p.sum()).backward()
