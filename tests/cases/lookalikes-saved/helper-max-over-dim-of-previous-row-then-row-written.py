# case: helper-max-over-dim-of-previous-row-then-row-written
# expect: clean
# torch: clean
# check: lp.grad is not None

# The same table filled row by row, but the helper reduces the previous row with `torch.max(x, dim)`, which saves
# only the indices of the maxima: writing the next row leaves nothing it saved stale.
import torch


def row_peak(x0):
    return torch.max(x0, 0, keepdim=True).values


lp = torch.randn(5, 3, requires_grad=True)
table = torch.full((5, 3), 0.0)
table[0] = lp[0]
for t in range(1, 5):
    table[t] = lp[t] + row_peak(table[t - 1])
table.sum().backward()
