# case: unfrozen-after-parameters-loop-then-updated-in-place
# expect: markers
# torch: raises "a leaf Variable that requires grad is being used in an in-place operation"

# frozen-by-parameters-loop-then-updated-in-place, but the backbone's weight is made trainable again after the loop
# (fine-tuning the last layer): the in-place nudge then writes a leaf that requires grad.
import torch
import torch.nn as nn

backbone = nn.Linear(4, 4)
head = nn.Linear(4, 2)
for p in backbone.parameters():
    p.requires_grad_(False)
backbone.weight.requires_grad_(True)
backbone.weight.add_(1)  # error: IPL001
head(backbone(torch.randn(3, 4))).sum().backward()
