# case: mark-dirty-function-output-then-out-of-place-act
# source: inplace-lint (the look-alike of mark-dirty-function-output-written-by-next-layer)
# expect: clean
# torch: clean
# check: blk.weight.grad is not None and blk.lin.weight.grad is not None

# The same Function; the activation after it is out of place, so the saved output keeps its version. (A Function
# that marks its input dirty and saves nothing may be followed by an in-place layer: `AddInPlace`.)
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


class AddInPlace(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, bias):
        x.add_(bias)
        ctx.mark_dirty(x)
        return x

    @staticmethod
    def backward(ctx, dz):
        return dz, dz.sum()


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(3, 3)
        self.weight = nn.Parameter(torch.tensor(2.0))
        self.act = nn.ReLU()
        self.act_inplace = nn.ReLU(inplace=True)

    def forward(self, x):
        h = ScaleInPlace.apply(self.lin(x), self.weight)
        g = AddInPlace.apply(self.lin(x), self.weight)
        return self.act(h) + self.act_inplace(g)


blk = Block()
blk(torch.randn(2, 3)).sum().backward()
