# case: hook-target-found-by-name-in-named-modules-then-relu-out-of-place
# source: https://github.com/frgfm/torch-cam/issues/72
# expect: clean
# torch: clean
# check: model.classifier.weight.grad is not None

# The same target layer found by name and hooked with a full backward hook; the forward applies the ReLU out of place
# (`F.relu(features)`), so nothing writes into BackwardHookFunction's view.
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4))
        self.classifier = nn.Linear(4, 3)

    def forward(self, x):
        out = F.relu(self.features(x))
        return self.classifier(F.adaptive_avg_pool2d(out, 1).flatten(1))


model = Net()
layers = dict(model.named_modules())
layers["features"].register_full_backward_hook(lambda m, gi, go: None)
model(torch.randn(2, 3, 8, 8, requires_grad=True)).sum().backward()
