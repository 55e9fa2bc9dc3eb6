# case: grad-cam-tensor-hook-on-batchnorm
# source: https://github.com/WZMIAOMIAO/deep-learning-for-image-processing/issues/688
# expect: clean
# torch: clean
# check: len(cam.gradients) == 1 and cam.gradients[0].shape == (1, 4, 6, 6)

# The look-alike of real-bugs/grad-cam-full-backward-hook-on-batchnorm: the gradient is taken with a tensor hook
# registered on the target layer's output from the forward hook (the pytorch-grad-cam#183 way), so the in-place
# ReLU that follows the BatchNorm is allowed.
import torch
import torch.nn as nn


class ActivationsAndGradients:
    def __init__(self, model, target_layers):
        self.model = model
        self.gradients = []
        self.activations = []
        for target_layer in target_layers:
            target_layer.register_forward_hook(self.save_activation)

    def save_activation(self, module, input, output):
        self.activations.append(output.detach())
        output.register_hook(self.save_gradient)

    def save_gradient(self, grad):
        self.gradients = [grad.detach()] + self.gradients

    def __call__(self, x):
        self.gradients = []
        self.activations = []
        return self.model(x)


torch.manual_seed(0)
model = nn.Sequential(
    nn.Conv2d(3, 4, 3, padding=1, bias=False),
    nn.BatchNorm2d(4),
    nn.ReLU(inplace=True),
    nn.Conv2d(4, 2, 1),
)
cam = ActivationsAndGradients(model, [model[1]])
output = cam(torch.rand(1, 3, 6, 6))
output[:, 1].sum().backward()
