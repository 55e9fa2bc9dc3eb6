# case: inference-grid-kept-in-attribute-converted-again-in-training
# expect: markers
# torch: raises "Inference tensors cannot be saved for backward"

# A keypoint head keeps its soft-argmax grid in an attribute and converts it to the features' dtype/device on every
# call (`self.grid = self.grid.to(x)`, as RDD's SoftDetect does). An evaluation call made under
# `@torch.inference_mode()` converts it there: the attribute now holds an inference tensor. In the training call
# after it, `.to(x)` returns that tensor itself (it already has x's dtype and device), and the matmul saves it.
import torch
import torch.nn as nn


class SoftArgmax(nn.Module):
    def __init__(self):
        super().__init__()
        self.grid = torch.linspace(-1, 1, 4, dtype=torch.float64).repeat(4, 1)

    def forward(self, x):
        self.grid = self.grid.to(x)
        return x @ self.grid  # warning: IPL011


class Detector(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Linear(4, 4)
        self.head = SoftArgmax()

    def forward(self, x):
        return self.head(self.conv(x))

    @torch.inference_mode()
    def extract(self, x):
        return self(x)


model = Detector()
model.extract(torch.randn(2, 4))
loss = model(torch.randn(2, 4)).sum()
loss.backward()
