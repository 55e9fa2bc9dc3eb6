# case: no-grad-view-of-leaf-written-outside
# source: https://github.com/pytorch/pytorch/issues/11390
# expect: markers
# torch: raises "which was created in no_grad mode and is being modified inplace with grad mode enabled"

# The pattern SsnL gives in the thread (the core of the discussion about views made under no_grad): take a view of
# a tensor that requires grad inside no_grad, then write into it outside, hoping the write reaches z's graph.
# (Today the analysis reports this line as IPL002, a write into a view of a leaf: the no_grad creation of the view
# is not taken into account.)
import torch

z = torch.ones(3, requires_grad=True)
y = torch.tensor(2.0, requires_grad=True) * 1
i = 1
with torch.no_grad():
    x = z[0:2]
x[i] = y  # error: IPL010
z.sum().backward()
