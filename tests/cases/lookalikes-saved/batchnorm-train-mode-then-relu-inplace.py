# case: batchnorm-train-mode-then-relu-inplace
# expect: clean
# torch: clean
# check: torch.allclose(x.grad, x_ref.grad, atol=1e-5)

import torch
from torch import nn

torch.manual_seed(0)
features = nn.Sequential(
    nn.Conv2d(1, 4, 3, padding=1),
    nn.BatchNorm2d(4),
    nn.ReLU(inplace=True),
    nn.MaxPool2d(2),
    nn.Conv2d(4, 4, 3, padding=1),
    nn.BatchNorm2d(4),
    nn.ReLU(inplace=True),
)
features.train()
x = torch.randn(2, 1, 4, 4, requires_grad=True)
features(x).sum().backward()

for m in features:
    if isinstance(m, nn.ReLU):
        m.inplace = False
x_ref = x.detach().clone().requires_grad_(True)
features(x_ref).sum().backward()
