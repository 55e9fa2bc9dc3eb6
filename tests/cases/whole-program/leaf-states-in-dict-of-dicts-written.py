# case: leaf-states-in-dict-of-dicts-written
# source: inplace-lint issue #13 (initial RNN states that require grad, kept in a dict of dicts by step and layer)
# expect: markers
# torch: raises "a leaf Variable that requires grad is being used in an in-place operation"
import torch

states = {}
for t in range(3):
    states[t] = {}
for layer in range(1, 3):
    states[0][layer] = torch.zeros(2, 4, requires_grad=True)
enc = torch.randn(2, 4)
states[0][1][0, :] = enc[0]  # error: IPL002
