# case: clone-model-loads-state-before-use
# source: inplace-lint issue #13 (held-out set 10: a model built and loaded in a loop is a new one each pass)
# expect: clean
# torch: clean
# check: all(p.grad is not None for p in model.parameters())
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))

    def forward(self, x):
        return self.net(x)

    def clone(self):
        copy = Net()
        copy.load_state_dict(self.state_dict())
        return copy


torch.manual_seed(0)
model = Net()
total = 0.0
for _ in range(2):
    adapted = model.clone()
    total = total + adapted(torch.randn(3, 4)).pow(2).mean() + model(torch.randn(3, 4)).mean()
total.backward()
