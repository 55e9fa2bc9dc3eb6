# case: torchao-moe-test-reference-copy-via-kwargs-and-view
# source: https://github.com/pytorch/ao/blob/main/test/prototype/moe_training/test_tensor.py
# expect: clean
# torch: clean
# check: bias.grad is not None and w.grad is not None and bias_ref.grad is not None

# torchao's MoE training tests compare a path with a reference run on detached copies
# (`bias_ref = bias.clone().detach().requires_grad_(True)`), then check both gradients. The original tensors reach
# the computation through `**kwargs` (`kwargs["bias"] = bias`) and as a view (`w.transpose(-2, -1)`), and one test
# asserts `x.grad is None` on purpose. The analysis once took the originals for unused (IPL006 on the copies).
import torch
import torch.nn.functional as F


def grouped_mm(a, b, bias=None):
    out = a @ b
    return out + bias if bias is not None else out


torch.manual_seed(0)
A = torch.randn(4, 3, requires_grad=True)
w = torch.randn(2, 3, requires_grad=True)
bias = torch.randn(2, requires_grad=True)
x = torch.randn(4, 3, requires_grad=True)
A_ref = A.clone().detach().requires_grad_(True)
w_ref = w.clone().detach().requires_grad_(True)
bias_ref = bias.clone().detach().requires_grad_(True)
x_ref = x.detach().clone().requires_grad_(True)
ref_out = grouped_mm(A_ref, w_ref.transpose(-2, -1)) + bias_ref + x_ref.sum()
kwargs = {}
kwargs["bias"] = bias
out = grouped_mm(A, w.transpose(-2, -1), **kwargs) + x.detach().sum()
labels = torch.ones_like(ref_out)
F.mse_loss(ref_out, labels).backward()
F.mse_loss(out, labels).backward()
assert x.grad is None
assert bias.grad is not None
