# case: reduce-into-buffer-with-mul
# source: https://github.com/pytorch/pytorch/issues/74806
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# The reduce(): inputs copied into slots of one buffer, partial results written into later slots. With
# op=torch.add it works (see real-lookalikes/reduce-into-buffer-with-add); with torch.mul, the product saves the
# slots it read, and the next slot assignment bumps the version of the whole buffer -- already the one that stores
# the product (run under torch with a torch.add second step, that first write alone makes backward raise).
import torch
from torch import Tensor


def reduce(x: Tensor, y: Tensor, z: Tensor, op) -> Tensor:
    tensor = torch.zeros((5,), dtype=torch.float32, requires_grad=False)
    tensor[0] = x
    tensor[1] = y
    tensor[3] = z

    tensor[2] = op(tensor[0], tensor[1])  # error: IPL003
    tensor[4] = op(tensor[2], tensor[3])  # error: IPL003
    return tensor[4]


torch.manual_seed(0)
inputs = [
    torch.randn((1,), requires_grad=True),
    torch.randn((1,), requires_grad=True),
    torch.randn((1,), requires_grad=True),
]

out = reduce(*inputs, op=torch.mul)
grad = torch.autograd.grad(
    out, inputs, torch.randn_like(out),
)
