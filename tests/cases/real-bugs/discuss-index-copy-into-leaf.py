# case: discuss-index-copy-into-leaf
# source: https://discuss.pytorch.org/t/inplace-operation-changes-is-leaf-attribute/120297
# expect: markers
# torch: raises "a leaf Variable that requires grad is being used in an in-place operation"

# "operation 4" of the question: index_copy_ into a leaf that requires grad (the question's shapes, smaller).
import torch

c = torch.randn(2, 3, 2, 4, requires_grad=True)
print(c.is_leaf)
c.index_copy_(3, torch.tensor([1]), torch.randn(2, 3, 2, 1))  # error: IPL001
