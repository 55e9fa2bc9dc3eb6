# case: tensor-passed-through-isinstance-helper-written-in-place
# source: inplace-lint issue #13 (held-out set 9: `isinstance(x, torch.Tensor)` of a tensor holds: the helper returns the leaf itself)
# expect: markers
# torch: raises "a view of a leaf Variable that requires grad is being used in an in-place operation"
import torch


def convert_to_tensor(x, dtype=None):
    if isinstance(x, torch.Tensor):
        return x if dtype is None else x.to(dtype)
    return torch.as_tensor(x, dtype=dtype)


def slice_update(inputs, updates):
    inputs = convert_to_tensor(inputs)
    inputs[0:1] = updates  # error: IPL002
    return inputs


sequence = torch.randn(2, 5, 4, requires_grad=True)
out = slice_update(sequence, torch.zeros(1, 5, 4))
out.sum().backward()
