# case: float-copy-made-leaf-source-written
# source: inplace-lint issue #13
# expect: clean
# torch: clean
# check: torch.allclose(w.grad, 2 * (w.detach() - 1.0))

# A leaf made by requires_grad_() on `.float()` of a half tensor, whose source is then written in place:
# `.float()` copied it, so the write does not touch the leaf.
import torch

torch.manual_seed(0)
s = torch.rand(4, 6, dtype=torch.float16)
w = s[:, :3].float().requires_grad_()
loss = ((w - 1.0) ** 2).sum()
s.mul_(2)
loss.backward()
