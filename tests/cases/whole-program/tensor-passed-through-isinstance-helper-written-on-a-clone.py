# case: tensor-passed-through-isinstance-helper-written-on-a-clone
# source: inplace-lint issue #13 (held-out set 9: the same, given a clone)
# expect: clean
# torch: clean
# check: sequence.grad is not None
import torch


def convert_to_tensor(x, dtype=None):
    if isinstance(x, torch.Tensor):
        return x if dtype is None else x.to(dtype)
    return torch.as_tensor(x, dtype=dtype)


def slice_update(inputs, updates):
    inputs = convert_to_tensor(inputs)
    inputs[0:1] = updates
    return inputs


sequence = torch.randn(2, 5, 4, requires_grad=True)
out = slice_update(sequence.clone(), torch.zeros(1, 5, 4))
out.sum().backward()
