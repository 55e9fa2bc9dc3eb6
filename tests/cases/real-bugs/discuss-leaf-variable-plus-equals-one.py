# case: discuss-leaf-variable-plus-equals-one
# source: https://discuss.pytorch.org/t/leaf-variable-was-used-in-an-inplace-operation/308/2
# expect: markers
# torch: raises "a leaf Variable that requires grad is being used in an in-place operation"

# The answer's example of an in-place operation on a leaf.
import torch

w = torch.tensor([1.0, 2.0, 3.0])  # leaf variable
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)  # also leaf variable
y = x + 1  # not a leaf variable
x += 1  # error: IPL001
