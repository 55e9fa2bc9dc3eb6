# case: keras-torch-slice-update-writes-clone-of-input
# source: https://github.com/keras-team/keras-core/pull/405
# expect: clean
# torch: clean
# check: sequence.grad is not None and bool(torch.isfinite(sequence.grad).all()) and torch.equal(sequence.detach(), before) and layer.proj.weight.grad is not None

# keras-core's torch ops.slice_update after the PR: `outputs = torch.clone(inputs)` and the
# slice of the copy is assigned, so a leaf input that requires grad is left untouched and
# receives gradients through the clone. Same layer and gradient test as the bug.
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
    outputs = torch.clone(inputs)
    outputs[tuple(slices)] = updates
    return outputs


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
before = sequence.detach().clone()
out = layer(sequence, 2)
out.pow(2).sum().backward()
