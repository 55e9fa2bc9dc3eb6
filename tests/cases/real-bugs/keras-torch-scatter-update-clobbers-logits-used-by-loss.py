# case: keras-torch-scatter-update-clobbers-logits-used-by-loss
# source: https://github.com/keras-team/keras/issues/21096
# expect: markers
# torch: clean
# check: bool(logits.detach()[0, 3] == -1e4) and abs(loss.item() - ref_loss.item()) > 1e-3

# Keras's torch backend wrote ops.scatter_update as `inputs[tuple(indices)] = updates` on
# the tensor it was given, so the caller's input is edited too (other backends return a new
# tensor). Here a training step masks two logits for sampling with scatter_update and then
# computes the loss from the same `logits`, which now hold the mask values: no error, a wrong
# loss and wrong gradients. Reduced: one Linear "model", a 2x5 batch.
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
    inputs[tuple(indices)] = updates
    return inputs


torch.manual_seed(0)
model = torch.nn.Linear(4, 5)
x = torch.randn(2, 4)
targets = torch.tensor([3, 1])

logits = model(x)
masked = scatter_update(logits, [[0, 3], [1, 3]], [-1e4, -1e4])  # error: IPL008
next_tokens = masked.argmax(-1)
loss = F.cross_entropy(logits, targets)
loss.backward()

with torch.no_grad():
    ref_loss = F.cross_entropy(model(x), targets)
