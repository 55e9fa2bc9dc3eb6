# case: liger-swiglu-out-of-place-grads-fixed
# source: https://github.com/linkedin/Liger-Kernel/issues/254
# expect: clean
# torch: clean
# check: torch.allclose(x.grad, ref_x_grad) and torch.allclose(up.grad, ref_up_grad)

# Same plain-torch reduction of LigerSiLUMulFunction fed by the issue's `Exponential` Function (which saves its
# output), but swiglu_backward does what the reporter suggests ("do it out-of-place"): da/db are returned as
# fresh tensors instead of being stored into the saved inputs a and b. The saved tensors are still read in
# backward and `a`/`b` are still views (a.view(-1, n_cols)) of the caller's tensors, yet nothing writes into
# them, so Exponential.backward sees the exp(x) it saved and the gradients match plain autograd.
import torch
import torch.nn.functional as F


def swiglu_forward(a, b):
    ori_shape = a.shape
    n_cols = ori_shape[-1]
    a = a.view(-1, n_cols)
    b = b.view(-1, n_cols)
    c = F.silu(a) * b
    return a, b, c.view(*ori_shape)


def swiglu_backward(a, b, dc):
    ori_shape = dc.shape
    n_cols = ori_shape[-1]
    dc = dc.view(-1, n_cols)
    # recomputation to save memory
    sig_a = torch.sigmoid(a)
    silu_a = a * sig_a
    db_row = dc * silu_a
    da_row = dc * (silu_a * (1 - sig_a) + sig_a) * b
    return da_row.view(*ori_shape), db_row.view(*ori_shape)


class LigerSiLUMulFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a, b):
        a, b, c = swiglu_forward(a, b)
        ctx.save_for_backward(a, b)
        return c

    @staticmethod
    def backward(ctx, dc):
        a, b = ctx.saved_tensors
        da, db = swiglu_backward(a, b, dc)
        return da, db


class Exponential(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        out = torch.exp(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, out_grad):
        out, = ctx.saved_tensors
        x_grad = out_grad * out
        return x_grad


torch.manual_seed(0)
x = torch.randn(4, 8, requires_grad=True)
up = torch.randn(4, 8, requires_grad=True)
target = torch.randn(4, 8)

# reference gradient from plain autograd ops (computed before the Liger path touches anything)
x_ref = x.detach().clone().requires_grad_(True)
up_ref = up.detach().clone().requires_grad_(True)
torch.nn.functional.mse_loss(F.silu(torch.exp(x_ref)) * up_ref, target).backward()
ref_x_grad = x_ref.grad
ref_up_grad = up_ref.grad

x_exp = Exponential.apply(x)
y = LigerSiLUMulFunction.apply(x_exp, up)
loss = torch.nn.functional.mse_loss(y, target)
loss.backward()
