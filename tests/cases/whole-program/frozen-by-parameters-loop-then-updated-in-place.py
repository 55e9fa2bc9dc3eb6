# case: frozen-by-parameters-loop-then-updated-in-place
# expect: clean
# torch: clean
# check: torch.allclose(backbone.weight, w0 + 1) and head.weight.grad is not None

# The backbone is frozen by the usual loop over its parameters, so its weight no longer requires grad and may be
# updated in place (an EMA-style nudge) with grad mode on; only the head trains. The loop surely runs (a Linear has
# parameters), so after it every parameter of the backbone is frozen.
import torch
import torch.nn as nn

backbone = nn.Linear(4, 4)
head = nn.Linear(4, 2)
for p in backbone.parameters():
    p.requires_grad_(False)
w0 = backbone.weight.detach().clone()
backbone.weight.add_(1)
head(backbone(torch.randn(3, 4))).sum().backward()
