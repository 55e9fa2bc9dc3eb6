# case: model-loads-state-between-forward-and-backward
# source: inplace-lint issue #13 (held-out set 10: a model built and loaded in a loop is a new one each pass)
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))

    def forward(self, x):
        return self.net(x)


torch.manual_seed(0)
model = Net()
backup = Net()
loss = model(torch.randn(3, 4)).pow(2).mean()
model.load_state_dict(backup.state_dict())  # error: IPL003
loss.backward()
