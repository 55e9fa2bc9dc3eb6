# case: unbind-output-narrowed-then-written
# source: https://github.com/pytorch/pytorch/issues/36608
# expect: markers
# torch: raises "is a view and is being modified inplace. This view is the output of a function that returns multiple views"

# The second half: a narrow() of an unbind() output, written in place. In 2020 this slipped through (the
# view's creation meta was not propagated); torch 2.13 raises on it like on the unbind output itself.
import torch

root = torch.arange(9.).reshape(3, 3).requires_grad_()
x = root.clone()
v1 = x.unbind()
v2 = v1[0].narrow(0, 0, 2)
v2.mul_(2)  # error: IPL009
v2.sum().backward()
