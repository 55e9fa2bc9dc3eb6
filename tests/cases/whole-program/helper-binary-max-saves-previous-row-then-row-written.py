# case: helper-binary-max-saves-previous-row-then-row-written
# source: https://github.com/vadimkantorov/ctc/issues/2
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# A table filled row by row from the previous row through a helper: `torch.max(a, b)` with a tensor as the second
# argument is `torch.maximum`, which saves both inputs (views of the table); writing the next row bumps the table's
# version.
import torch


def soft_or(x0, x1):
    return torch.max(x0, x1)


lp = torch.randn(5, 3, requires_grad=True)
table = torch.full((5, 3), 0.0)
table[0] = lp[0]
for t in range(1, 5):
    table[t] = lp[t] + soft_or(table[t - 1], table[t - 1] * 2)  # error: IPL003
table.sum().backward()
