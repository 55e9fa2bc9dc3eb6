# case: inference-mode-view-and-write-inside
# source: https://github.com/pytorch/rfcs/pull/17
# expect: clean
# torch: clean
# check: torch.equal(w.grad, torch.full((4,), 2.0))

# The look-alike of real-bugs/inference-mode-view-of-normal-tensor-written-outside: the peek at the activation is
# cloned inside inference_mode and the clone, an inference tensor, is only read, never written; the training graph is
# untouched.
import torch

w = torch.ones(4, requires_grad=True)
h = w * 2
with torch.inference_mode():
    head = h[:2].clone()
    peak = float(head.max())
h.sum().backward()
