# case: frozen-unless-name-starts-with-head-then-head-bias-written
# source: inplace-lint issue #13 (linear probing: `if not name.startswith("head."): param.requires_grad = False` over `named_parameters()`, then the head's bias, still trainable, is shifted in place)
# expect: markers
# torch: raises "a leaf Variable that requires grad is being used in an in-place operation"
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
model.head.bias.add_(1.0)  # error: IPL001
model(torch.randn(2, 3, 8, 8)).sum().backward()
