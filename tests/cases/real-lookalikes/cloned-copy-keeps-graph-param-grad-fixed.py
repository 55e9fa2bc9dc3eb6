# case: cloned-copy-keeps-graph-param-grad-fixed
# source: https://github.com/pytorch/pytorch/issues/92586
# expect: clean
# torch: clean
# check: t.grad is not None and torch.allclose(t.grad, torch.ones(5))

# Look-alike of detached-copy-requires-grad-param-grad-none: the helper returns a clone,
# which stays connected to t, so backward fills t.grad.
import torch

t = torch.randn(5, requires_grad=True)


def func(t):
    t_copy = t.clone()
    return t_copy


func(t).sum().backward()
