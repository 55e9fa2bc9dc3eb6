# case: frozen-unless-name-starts-with-head-then-backbone-written
# source: inplace-lint issue #13 (the look-alike of frozen-unless-name-starts-with-head-then-head-bias-written: the in-place write goes to a backbone weight the name filter froze)
# expect: clean
# torch: clean
# check: model.head.weight.grad is not None and model.backbone.proj.weight.grad is None
import torch
from torch import nn


class Backbone(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU())
        self.proj = nn.Linear(4, 8)

    def forward(self, x):
        return self.proj(self.stem(x).mean((2, 3)))


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = Backbone()
        self.head = nn.Linear(8, 3)

    def forward(self, x):
        return self.head(self.backbone(x))


model = Classifier()
for name, param in model.named_parameters():
    if not name.startswith("head."):
        param.requires_grad = False
model.backbone.proj.weight.mul_(0.5)
model.backbone.stem[1].bias.add_(1.0)
model(torch.randn(2, 3, 8, 8)).sum().backward()
