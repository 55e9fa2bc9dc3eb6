# case: no-grad-grid-kept-in-attribute-converted-again-in-training
# expect: clean
# torch: clean
# check: all(p.grad is not None for p in model.conv.parameters())

# The same keypoint head, evaluated under `@torch.no_grad()`: the grid it converts there is a normal tensor that
# does not require grad, which the training call may save for backward.
import torch
import torch.nn as nn


class SoftArgmax(nn.Module):
    def __init__(self):
        super().__init__()
        self.grid = torch.linspace(-1, 1, 4, dtype=torch.float64).repeat(4, 1)

    def forward(self, x):
        self.grid = self.grid.to(x)
        return x @ self.grid


class Detector(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Linear(4, 4)
        self.head = SoftArgmax()

    def forward(self, x):
        return self.head(self.conv(x))

    @torch.no_grad()
    def extract(self, x):
        return self(x)


model = Detector()
model.extract(torch.randn(2, 4))
loss = model(torch.randn(2, 4)).sum()
loss.backward()
