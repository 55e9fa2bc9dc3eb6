# case: discuss-leaf-full-slice-plus-equals
# source: https://discuss.pytorch.org/t/inplace-operation-changes-is-leaf-attribute/120297
# expect: markers
# torch: raises "a view of a leaf Variable that requires grad is being used in an in-place operation"

# "operation 6" of the question: `c[:] += 1`, which the asker saw pass ("no error, but not leaf anymore") on the
# torch of 2021. torch 2.13 raises on it like on any view of the leaf.
import torch

c = torch.randn(2, 3, 2, 4, requires_grad=True)
print(c.is_leaf)
c[:] += 1  # error: IPL002
print(c.is_leaf)
