# case: abs-kept-then-masked-write
# source: inplace-lint issue #13 (the bug beside the look-alike: the abs output is kept and used by the loss)
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"
import torch
from torch import nn

lin = nn.Linear(4, 4)
y = lin(torch.randn(2, 4))
a = y.abs()
y[a < 1e-2] = 1e-2  # error: IPL003
(a + y).sum().backward()
