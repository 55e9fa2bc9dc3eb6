# case: detached-states-in-dict-of-dicts-written
# source: inplace-lint issue #13 (look-alike: the initial states in the dict of dicts do not require grad)
# expect: clean
# torch: clean
# check: torch.equal(states[0][1][0], enc[0])
import torch

states = {}
for t in range(3):
    states[t] = {}
for layer in range(1, 3):
    states[0][layer] = torch.zeros(2, 4)
enc = torch.randn(2, 4)
states[0][1][0, :] = enc[0]
