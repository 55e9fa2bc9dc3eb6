# case: reshape-of-transposed-op-result-copies
# source: inplace-lint issue #13 (session 10: what the reshape-as-view assumption gets wrong, kept in view)
# expect: clean
# torch: clean
# check: x.grad is not None
# known-false-positive: an elementwise op on a transposed input keeps its layout, so `reshape` copies here and the write touches nothing sigmoid saved; the analysis takes a reshape of an op's result for a view (as it is for a contiguous one) and warns, saying that assumption
import torch

x = torch.randn(4, 3, requires_grad=True)
h = torch.sigmoid(x.t() * 2)  # non-contiguous: the layout of x.t()
v = h.reshape(-1)  # a copy
v.mul_(2)
v.sum().backward()
