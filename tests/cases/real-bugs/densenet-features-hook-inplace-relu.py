# case: densenet-features-hook-inplace-relu
# source: https://github.com/pytorch/vision/issues/4164
# expect: markers
# torch: raises "is a view and is being modified inplace. This view was created inside a custom Function"

# torchvision's DenseNet.forward applies `F.relu(features, inplace=True)` to the output of self.features; the user
# hooks model.features with a full backward hook. torchvision is not installed here: the model is reduced to that
# forward (a two-conv `features` block and the classifier).
import torch
import torch.nn as nn
import torch.nn.functional as F


class DenseNet(nn.Module):
    def __init__(self, num_classes=3):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4))
        self.classifier = nn.Linear(4, num_classes)

    def forward(self, x):
        features = self.features(x)
        out = F.relu(features, inplace=True)  # error: IPL012
        out = F.adaptive_avg_pool2d(out, (1, 1))
        out = torch.flatten(out, 1)
        out = self.classifier(out)
        return out


torch.manual_seed(0)
model = DenseNet().eval()


# Hook the features
def hook_g(m, input, output):
    print(input[0].shape)


model.features.register_full_backward_hook(hook_g)
# Inference
out = model(torch.rand((1, 3, 8, 8)))
