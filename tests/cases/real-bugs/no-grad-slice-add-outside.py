# case: no-grad-slice-add-outside
# source: https://github.com/pytorch/pytorch/pull/26607
# expect: markers
# torch: raises "A view was created in no_grad mode and is being modified inplace with grad mode enabled"

# albanD's example in the review of the PR: should x receive gradients through y? torch 2.13 refuses the question.
# (Today the analysis reports this line as IPL002, a write into a view of a leaf: the no_grad creation of the view
# is not taken into account.)
import torch

x = torch.ones(10, requires_grad=True)
with torch.no_grad():
    y = x[1:]
y.add_(0)  # error: IPL010
