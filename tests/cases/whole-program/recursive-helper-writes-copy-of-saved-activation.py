# case: recursive-helper-writes-copy-of-saved-activation
# expect: clean
# torch: clean
# check: x.grad is not None and bool((out <= 0.9).all())

# recursive-helper-writes-saved-activation with the helper given a copy: what sigmoid saved stays intact.
import torch


def squash(h, levels):
    if levels == 0:
        h.clamp_(max=0.9)
        return
    squash(h, levels - 1)


x = torch.randn(8, requires_grad=True)
h = torch.sigmoid(x)
out = h.clone()
squash(out, 3)
out.sum().backward()
