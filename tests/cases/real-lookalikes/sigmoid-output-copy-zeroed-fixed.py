# case: sigmoid-output-copy-zeroed-fixed
# source: https://github.com/pytorch/pytorch/issues/6990
# expect: clean
# torch: clean
# check: torch.allclose(a.grad, correct) and bool((c == 0).all())

# Look-alike of sigmoid-output-zeroed-through-data: the zeroed tensor is a detached clone of
# the sigmoid output, so the saved output stays intact and a.grad is sigmoid'(a).
import torch

a = torch.tensor([1, 2, 3.], requires_grad=True)
out = a.sigmoid()
c = out.detach().clone()
c.zero_()

out.sum().backward()

with torch.no_grad():
    s = torch.tensor([1, 2, 3.]).sigmoid()
    correct = s * (1 - s)
