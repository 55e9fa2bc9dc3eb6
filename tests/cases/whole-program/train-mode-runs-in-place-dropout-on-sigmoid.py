# case: train-mode-runs-in-place-dropout-on-sigmoid
# source: inplace-lint issue #13 (the in-place dropout of the training branch overwrites what sigmoid saved)
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"
import torch
from torch import nn


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 4)

    def forward(self, x):
        h = torch.sigmoid(self.lin(x))
        if self.training:
            h = nn.functional.dropout(h, 0.5, training=True, inplace=True)  # error: IPL003
        return h


model = Model()
model.train()
model(torch.randn(2, 4)).sum().backward()
