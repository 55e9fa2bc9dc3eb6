# case: reduce-into-buffer-with-add
# source: https://github.com/pytorch/pytorch/issues/74806
# expect: clean
# torch: clean
# check: all(torch.equal(g, torch.ones(1)) for g in grad)

# The reduce() with op=torch.add, which the reporter found working: an addition saves nothing, so writing
# the later slots of the buffer breaks no saved tensor. (The gradient is taken with ones as grad_outputs here.)
import torch
from torch import Tensor


def reduce(x: Tensor, y: Tensor, z: Tensor, op) -> Tensor:
    tensor = torch.zeros((5,), dtype=torch.float32, requires_grad=False)
    tensor[0] = x
    tensor[1] = y
    tensor[3] = z

    tensor[2] = op(tensor[0], tensor[1])
    tensor[4] = op(tensor[2], tensor[3])
    return tensor[4]


torch.manual_seed(0)
inputs = [
    torch.randn((1,), requires_grad=True),
    torch.randn((1,), requires_grad=True),
    torch.randn((1,), requires_grad=True),
]

out = reduce(*inputs, op=torch.add)
grad = torch.autograd.grad(
    out, inputs, torch.ones_like(out),
)
