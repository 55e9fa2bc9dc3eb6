# case: detached-copy-requires-grad-param-grad-none
# source: https://github.com/pytorch/pytorch/issues/92586
# expect: markers
# torch: clean
# check: t.grad is None and out_grad_seen

# The report: a helper makes `t_copy = t.detach()` and then sets `t_copy.requires_grad = True`
# before returning it; backward through the copy "succeeds" although it is cut off from t,
# whereas without the flag it raises "element 0 of tensors does not require grad". The
# thread stops at the backward call; completed plausibly with what the user is after, t's
# gradient, which stays None: the new leaf collects the gradient and t never sees it.
# (marker on the `.detach()` line, where IPL006 puts its finding: dropping `.detach()` is its fix; the held-out
# labelling had it on the `requires_grad = True` line below)
import torch

t = torch.randn(5, requires_grad=True)


def func(t):
    t_copy = t.detach()  # error: IPL006
    t_copy.requires_grad = True
    return t_copy


out = func(t)
out.sum().backward()
out_grad_seen = out.grad is not None
print("t.grad:", t.grad)
