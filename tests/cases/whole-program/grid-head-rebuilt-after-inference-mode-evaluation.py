# case: grid-head-rebuilt-after-inference-mode-evaluation
# expect: clean
# torch: clean
# check: not model.head.grid.is_inference() and all(p.grad is not None for p in model.conv.parameters())

# The keypoint head of inference-grid-kept-in-attribute-converted-again-in-training, with the fix RDD adopted:
# `train()` builds a new head, so the grid that the inference-mode evaluation converted and kept is dropped with
# the old head, and the training call converts a grid made outside inference mode.
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

    def train(self, mode=True):
        super().train(mode)
        self.head = SoftArgmax()
        return self

    def forward(self, x):
        return self.head(self.conv(x))

    @torch.inference_mode()
    def extract(self, x):
        return self(x)


model = Detector()
model.extract(torch.randn(2, 4))
model.train()
loss = model(torch.randn(2, 4)).sum()
loss.backward()
