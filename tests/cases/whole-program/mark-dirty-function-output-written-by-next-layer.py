# case: mark-dirty-function-output-written-by-next-layer
# source: inplace-lint (the InPlaceABN shape of https://github.com/mapillary/inplace_abn/issues/40, reduced)
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# A custom Function that writes its input, marks it dirty, saves it and returns it: `apply` returns the input
# tensor itself, and the saved tensor is that written version; the in-place ReLU after it writes it again.
import torch
import torch.nn as nn


class ScaleInPlace(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, weight):
        x.mul_(weight)
        ctx.mark_dirty(x)
        ctx.save_for_backward(x, weight)
        return x

    @staticmethod
    def backward(ctx, dz):
        y, weight = ctx.saved_tensors
        return dz * weight, (dz * y / weight).sum()


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(3, 3)
        self.weight = nn.Parameter(torch.tensor(2.0))
        self.act = nn.ReLU(inplace=True)

    def forward(self, x):
        h = ScaleInPlace.apply(self.lin(x), self.weight)
        return self.act(h)  # error: IPL003


Block()(torch.randn(2, 3)).sum().backward()
