# case: no-grad-view-of-view-written-outside
# source: https://github.com/pytorch/pytorch/pull/88243
# expect: markers
# torch: raises "view of a view which was created in no_grad mode and is being modified inplace with grad mode enabled"

# The regression test of the PR (test_autograd_inplace_view_of_view): a view made in no_grad mode is made to require
# grad, and a view of it taken later with grad mode on inherits the no_grad creation meta. The stored diff shows the
# first lines of the test; the view and the in-place write after the block are completed as its description says.
import torch

x = torch.zeros(2, requires_grad=False)
with torch.no_grad():
    y = x.view(2)
    y.requires_grad_(True)
z = y.view(2)
z.mul_(2)  # error: IPL010
