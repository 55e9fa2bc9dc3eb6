# case: densenet-features-hook-out-of-place-relu
# source: https://github.com/pytorch/vision/issues/4164
# expect: clean
# torch: clean
# check: len(seen) == 1 and model.features[0].weight.grad is not None

# The look-alike of real-bugs/densenet-features-hook-inplace-relu: the ReLU after the hooked `features` block is
# out of place (what the discussion settles on for hooked models), and the hook fires during backward
# (the input requires grad, as in a saliency run: otherwise torch warns that the hook fires on outputs only).
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
        out = F.relu(features)
        out = F.adaptive_avg_pool2d(out, (1, 1))
        out = torch.flatten(out, 1)
        out = self.classifier(out)
        return out


torch.manual_seed(0)
model = DenseNet().eval()
seen = []


# Hook the features
def hook_g(m, input, output):
    seen.append(output[0].shape)


model.features.register_full_backward_hook(hook_g)
# Inference
out = model(torch.rand((1, 3, 8, 8), requires_grad=True))
out[0, 0].backward()
