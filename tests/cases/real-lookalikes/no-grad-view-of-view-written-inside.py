# case: no-grad-view-of-view-written-inside
# source: https://github.com/pytorch/pytorch/pull/88243
# expect: clean
# torch: clean
# check: torch.equal(x, torch.zeros(2)) and y.requires_grad and not z.requires_grad

# The look-alike of real-bugs/no-grad-view-of-view-written-outside: the second view and the write stay in the
# no_grad block with the first view.
import torch

x = torch.zeros(2, requires_grad=False)
with torch.no_grad():
    y = x.view(2)
    y.requires_grad_(True)
    z = y.view(2)
    z.mul_(2)
