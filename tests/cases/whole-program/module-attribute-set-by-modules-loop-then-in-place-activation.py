# case: module-attribute-set-by-modules-loop-then-in-place-activation
# source: https://github.com/gustavecortal/gpt-j-fine-tuning-example/issues/1 (the shape of its add_adapters: a helper walks model.modules() and gives each block of a class an attribute that __init__ left None)
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"
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
            h = self.post(h)  # error: IPL003
        return h


def add_post_activations(model):
    for module in model.modules():
        if isinstance(module, Block):
            module.post = nn.ReLU(inplace=True)


model = nn.Sequential(Block(), nn.Linear(4, 1))
add_post_activations(model)
model(torch.randn(2, 4)).sum().backward()
