# case: sigmoid-output-zeroed-through-data
# source: https://github.com/pytorch/pytorch/issues/6990
# expect: markers
# torch: clean
# check: bool((a.grad == 0).all()) and not torch.allclose(a.grad, correct)

# The thread asks how `.data` differs from `.detach()`. The maintainer's example: take the
# output of a sigmoid, grab its `.data` and zero it in place, then backprop through the
# sigmoid. Sigmoid's backward uses its saved output, which `.data` overwrote without the
# version counter noticing, so the gradient is silently wrong (all zeros) instead of the
# error `.detach()` would give. Kept as in the thread.
import torch

a = torch.tensor([1, 2, 3.], requires_grad=True)
out = a.sigmoid()
c = out.data
c.zero_()  # error: IPL004

out.sum().backward()

with torch.no_grad():
    s = torch.tensor([1, 2, 3.]).sigmoid()
    correct = s * (1 - s)
