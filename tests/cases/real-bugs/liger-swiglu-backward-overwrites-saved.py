# case: liger-swiglu-backward-overwrites-saved
# source: https://github.com/linkedin/Liger-Kernel/issues/254
# expect: markers
# torch: clean
# known-miss: the write is in a custom Function's `backward` (`a.data.copy_(da_row)` into an input its `forward` saved, which another Function's output also is); the analysis does not follow what backward passes write
# check: not torch.allclose(x.grad, ref_x_grad)

# Liger-Kernel's LigerSiLUMulFunction (src/liger_kernel/ops/swiglu.py), with the Triton kernels rewritten in
# plain torch: forward saves its inputs a, b; swiglu_backward recomputes silu and stores da/db *into a and b*
# (the kernel's tl.store(a_ptr, da_row) / tl.store(b_ptr, db_row)), a raw memory write that autograd's version
# counter never sees; `.data.copy_` reproduces that here. The scenario: the gate input comes from a
# custom Function `Exponential` that saved its *output* for backward; swiglu's backward runs first and
# overwrites that saved output with da, so Exponential.backward multiplies by garbage and x.grad is silently
# wrong. (The issue writes swiglu(x_exp, x_exp); a separate `up` tensor is used as b here, and only the da store
# is kept in place - the kernel stores db into b the same way.) Marker: IPL003.
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
    a.data.copy_(da_row)  # error: IPL003
    return a.view(*ori_shape), db_row.view(*ori_shape)


class LigerSiLUMulFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a, b):
        a, b, c = swiglu_forward(a, b)
        ctx.save_for_backward(a, b)
        return c

    @staticmethod
    def backward(ctx, dc):
        a, b = ctx.saved_tensors
        a, b = swiglu_backward(a, b, dc)
        return a, b


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
torch.nn.functional.mse_loss(F.silu(torch.exp(x_ref)) * up.detach().clone(), target).backward()
ref_x_grad = x_ref.grad

x_exp = Exponential.apply(x)
y = LigerSiLUMulFunction.apply(x_exp, up)
loss = torch.nn.functional.mse_loss(y, target)
loss.backward()
