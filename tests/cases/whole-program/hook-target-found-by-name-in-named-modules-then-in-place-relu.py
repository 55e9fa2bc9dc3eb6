# case: hook-target-found-by-name-in-named-modules-then-in-place-relu
# source: https://github.com/frgfm/torch-cam/issues/72
# expect: markers
# torch: raises "Output 0 of BackwardHookFunction is a view and is being modified inplace"

# Grad-CAM tools find the target layer by name, `dict(model.named_modules())["features"]`, and put a full backward
# hook on it; DenseNet's forward then applies `F.relu(features, inplace=True)` to that hooked output.
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4))
        self.classifier = nn.Linear(4, 3)

    def forward(self, x):
        out = F.relu(self.features(x), inplace=True)  # error: IPL012
        return self.classifier(F.adaptive_avg_pool2d(out, 1).flatten(1))


model = Net()
layers = dict(model.named_modules())
layers["features"].register_full_backward_hook(lambda m, gi, go: None)
model(torch.randn(2, 3, 8, 8, requires_grad=True)).sum().backward()
