# case: pytorch-relu-inplace-on-leaf-then-dropout-inplace
# source: https://github.com/pytorch/pytorch/issues/727
# expect: markers
# torch: raises "a leaf Variable that requires grad is being used in an in-place operation"

# The snippet ("F.relu(inplace) followed by F.dropout(inplace) breaks backward pass"): the input Variable
# is created with requires_grad=True and both functional calls run in place. torch now refuses the in-place ReLU on
# the leaf at once. The dropout line is a second bug: with the ReLU made out of place (as the maintainer advised for
# the first call only), the in-place dropout would overwrite the output ReLU saved for its backward. numpy's
# random input replaced by torch.randn; otherwise the snippet as posted. As written, `F.relu(x, inplace=True)`
# returns the leaf itself, so the dropout line writes the leaf too (IPL001); with the ReLU made out of place it
# would be IPL003.
import torch
import torch.nn.functional as F

torch.manual_seed(0)
x = torch.randn(4, 6, 10, 10, requires_grad=True)
x = F.relu(x, inplace=True)  # error: IPL001
x = F.dropout(x, p=0.1, inplace=True)  # error: IPL001
result = torch.sum(x)
result.backward()
