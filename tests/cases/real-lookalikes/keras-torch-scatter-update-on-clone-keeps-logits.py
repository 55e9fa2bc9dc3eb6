# case: keras-torch-scatter-update-on-clone-keeps-logits
# source: https://github.com/keras-team/keras/issues/21096
# expect: clean
# torch: clean
# check: abs(loss.item() - ref_loss.item()) < 1e-6 and bool(masked.detach()[0, 3] == -1e4) and model.weight.grad is not None

# Keras's torch ops.scatter_update as fixed after the issue: the update goes into
# `outputs = torch.clone(inputs)`, so the sampling mask lands in a copy and the loss computed
# from `logits` afterwards sees the model's real outputs. Same step as the bug.
import torch
import torch.nn.functional as F


def convert_to_tensor(x, dtype=None):
    if isinstance(x, torch.Tensor):
        return x if dtype is None else x.to(dtype)
    return torch.as_tensor(x, dtype=dtype)


def scatter_update(inputs, indices, updates):
    inputs = convert_to_tensor(inputs)
    indices = convert_to_tensor(indices, dtype=torch.int64)
    updates = convert_to_tensor(updates)
    indices = torch.transpose(indices, 0, 1)
    outputs = torch.clone(inputs)
    outputs[tuple(indices)] = updates
    return outputs


torch.manual_seed(0)
model = torch.nn.Linear(4, 5)
x = torch.randn(2, 4)
targets = torch.tensor([3, 1])

logits = model(x)
masked = scatter_update(logits, [[0, 3], [1, 3]], [-1e4, -1e4])
next_tokens = masked.argmax(-1)
loss = F.cross_entropy(logits, targets)
loss.backward()

with torch.no_grad():
    ref_loss = F.cross_entropy(model(x), targets)
