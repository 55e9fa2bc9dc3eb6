# case: module-attribute-set-by-modules-loop-then-activation
# source: https://github.com/gustavecortal/gpt-j-fine-tuning-example/issues/1 (the look-alike: the activation the helper gives each block is not in place)
# expect: clean
# torch: clean
# check: model[0].fc.weight.grad is not None
import torch
from torch import nn


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.post = None

    def forward(self, x):
        h = torch.sigmoid(self.fc(x))
        if self.post is not None:
            h = self.post(h)
        return h


def add_post_activations(model):
    for module in model.modules():
        if isinstance(module, Block):
            module.post = nn.ReLU()


model = nn.Sequential(Block(), nn.Linear(4, 1))
add_post_activations(model)
model(torch.randn(2, 4)).sum().backward()
