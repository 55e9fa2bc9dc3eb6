# case: backward-hook-as-tensor-hook-before-inplace-relu
# source: https://github.com/pytorch/pytorch/issues/61519
# expect: clean
# torch: clean
# check: len(grads) == 1 and grads[0].shape == (1, 8, 4, 4)

# The workaround given in the issue (and adopted by singd#63 and pytorch-grad-cam#183): a forward hook that
# registers a tensor hook on the module's output, instead of a full backward hook, so the in-place ReLU after the
# hooked conv writes a plain tensor.
import torch
from torch import nn

# Get the model
mod = nn.Sequential(
    nn.Conv2d(3, 8, 3, padding=1),
    nn.ReLU(),
    nn.Conv2d(8, 8, 3, padding=1),
    nn.ReLU(inplace=True),
)
grads = []


def hook_f(module, input, output):
    output.register_hook(lambda grad: grads.append(grad))


mod[2].register_forward_hook(hook_f)
out = mod(torch.rand((1, 3, 4, 4)))
out.sum().backward()
