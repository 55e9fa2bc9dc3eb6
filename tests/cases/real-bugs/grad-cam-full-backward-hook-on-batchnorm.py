# case: grad-cam-full-backward-hook-on-batchnorm
# source: https://github.com/WZMIAOMIAO/deep-learning-for-image-processing/issues/688
# expect: markers
# torch: raises "is a view and is being modified inplace. This view was created inside a custom Function"

# Grad-CAM on the user's DeepLabV3+: the printed target layer is a BatchNorm2d(256) of a conv-bn-ReLU(inplace)
# block, hooked with register_full_backward_hook. The repository's ActivationsAndGradients helper and the model
# are reduced to the hooked block; the helper's full-backward-hook variant is the one the user ran.
import torch
import torch.nn as nn


class ActivationsAndGradients:
    def __init__(self, model, target_layers):
        self.model = model
        self.gradients = []
        self.activations = []
        for target_layer in target_layers:
            target_layer.register_forward_hook(self.save_activation)
            target_layer.register_full_backward_hook(self.save_gradient)

    def save_activation(self, module, input, output):
        self.activations.append(output.detach())

    def save_gradient(self, module, grad_input, grad_output):
        self.gradients = [grad_output[0].detach()] + self.gradients

    def __call__(self, x):
        self.gradients = []
        self.activations = []
        return self.model(x)


torch.manual_seed(0)
model = nn.Sequential(
    nn.Conv2d(3, 4, 3, padding=1, bias=False),
    nn.BatchNorm2d(4),
    nn.ReLU(inplace=True),  # error: IPL012
    nn.Conv2d(4, 2, 1),
)
cam = ActivationsAndGradients(model, [model[1]])
output = cam(torch.rand(1, 3, 6, 6))
output[:, 1].sum().backward()
