# case: range-index-rows-copied-by-list-index
# source: inplace-lint issue #13 (look-alike: the same loop, but `h[[i]]` indexes with a list: a copy)
# expect: clean
# torch: clean
# check: x.grad is not None

# Indexing with a list is advanced indexing: `h[[i]]` is a new tensor, so scaling it in place leaves the sigmoid
# output alone.
import torch

x = torch.randn(3, 4, requires_grad=True)
h = torch.sigmoid(x)
for i in range(3):
    h[[i]].mul_(0.5)
h.sum().backward()
