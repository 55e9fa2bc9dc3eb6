# case: discuss-detached-copy-plus-equals
# source: https://discuss.pytorch.org/t/inplace-operation-changes-is-leaf-attribute/120297
# expect: clean
# torch: clean
# check: c.is_leaf and c._version == 1

# "operation 5" of the question: the write goes through c.detach(), which autograd allows (and which changes c's
# values too: the detached tensor shares its storage).
import torch

c = torch.randn(2, 3, 2, 4, requires_grad=True)
d = c.detach()
d += 1  # no error, and still leaf
print(c.is_leaf)
