# case: discuss-add-out-into-leaf
# source: https://discuss.pytorch.org/t/inplace-operation-changes-is-leaf-attribute/120297
# expect: markers
# torch: raises "functions with out=... arguments don't support automatic differentiation"

# "operation 2" of the question: torch.add writing into a leaf that requires grad through out=.
import torch

c = torch.randn(2, 3, 2, 4, requires_grad=True)
print(c.is_leaf)
torch.add(c, 1, out=c)  # error: IPL001
