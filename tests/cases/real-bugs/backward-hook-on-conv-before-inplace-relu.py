# case: backward-hook-on-conv-before-inplace-relu
# source: https://github.com/pytorch/pytorch/issues/61519
# expect: markers
# torch: raises "is a view and is being modified inplace. This view was created inside a custom Function"

# The reproduction (torch-cam): a full backward hook on a layer whose output the next layer, an in-place
# ReLU, overwrites. The stored thread cuts off after the model; the hook is completed as torch-cam installs it, on
# the conv that the in-place ReLU follows.
import torch
from torch import nn

# Get the model
mod = nn.Sequential(
    nn.Conv2d(3, 8, 3, padding=1),
    nn.ReLU(),
    nn.Conv2d(8, 8, 3, padding=1),
    nn.ReLU(inplace=True),  # error: IPL012
)


def hook_g(module, grad_input, grad_output):
    print(grad_output[0].shape)


mod[2].register_full_backward_hook(hook_g)
out = mod(torch.rand((1, 3, 4, 4)))
out.sum().backward()
