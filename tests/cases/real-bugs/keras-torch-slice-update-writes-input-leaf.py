# case: keras-torch-slice-update-writes-input-leaf
# source: https://github.com/keras-team/keras-core/pull/405
# expect: markers
# torch: raises "a view of a leaf Variable that requires grad is being used in an in-place operation"

# keras-core's torch backend implemented ops.slice_update as `inputs[slices] = updates`
# on the tensor it was given; when that input is a leaf that requires grad (here a
# gradient test of a layer that writes a projected update into its input) the slice
# assignment is refused. Reduced: a one-Linear layer; the slice list is made a tuple.
# Second marker: analysed on its own, with an activation for `sequence` (not a leaf), the write
# changes the slice `token` that `self.proj` saved, and backward raises "one of the variables
# needed for gradient computation has been modified by an inplace operation" (checked with
# `sequence` the output of a Linear).
import builtins
import torch


def convert_to_tensor(x, dtype=None):
    if isinstance(x, torch.Tensor):
        return x if dtype is None else x.to(dtype)
    return torch.as_tensor(x, dtype=dtype)


def slice_update(inputs, start_indices, updates):
    inputs = convert_to_tensor(inputs)
    start_indices = convert_to_tensor(start_indices).type(torch.int)
    updates = convert_to_tensor(updates)

    python_slice = builtins.slice
    slices = [
        python_slice(start_index, start_index + update_length)
        for start_index, update_length in zip(start_indices.tolist(), updates.shape)
    ]
    inputs[tuple(slices)] = updates  # error: IPL002, IPL003
    return inputs


class UpdateLayer(torch.nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.proj = torch.nn.Linear(dim, dim)

    def forward(self, sequence, index):
        token = sequence[:, index - 1:index, :]
        update = torch.tanh(self.proj(token))
        return slice_update(sequence, [0, index, 0], update)


torch.manual_seed(0)
layer = UpdateLayer(4)
sequence = torch.randn(2, 5, 4, requires_grad=True)
out = layer(sequence, 2)
out.pow(2).sum().backward()
