# case: list-element-replaced-by-clone-written
# source: inplace-lint issue #13
# expect: clean
# torch: clean
# check: torch.allclose(a.grad, torch.sigmoid(a.detach()) * (1 - torch.sigmoid(a.detach())) + 1 - torch.tanh(a.detach()) ** 2)

# A list of two activations that save their outputs; the first element is replaced by a clone before the in-place
# update, and only that element is written.
import torch

torch.manual_seed(0)
a = torch.randn(3, requires_grad=True)
outs = [torch.sigmoid(a), torch.tanh(a)]
outs[0] = outs[0].clone()
outs[0] += 1
sum(o.sum() for o in outs).backward()
