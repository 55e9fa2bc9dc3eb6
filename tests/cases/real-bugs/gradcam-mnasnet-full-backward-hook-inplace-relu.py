# case: gradcam-mnasnet-full-backward-hook-inplace-relu
# source: https://github.com/jacobgil/pytorch-grad-cam/issues/164
# expect: markers
# torch: raises "is a view and is being modified inplace. This view was created inside a custom Function"

# pytorch-grad-cam (autumn 2021) on torchvision's mnasnet1_0 with the target layer that
# repository's cam.py suggests for it, `model.layers[-1]`. Kept: `ActivationsAndGradients` as it was
# then (a forward hook for the activations and `register_full_backward_hook` for the
# gradients) and the GradCAM steps of `BaseCAM.forward` (weights = mean of the gradients,
# done with torch here since numpy is not installed). MNASNet is shrunk to a few
# layers but keeps its shape: `self.layers` is an nn.Sequential that ends in
# `nn.ReLU(inplace=True)`, and forward is `x = self.layers(x)`, mean, classifier.
# A full backward hook wraps the inputs of the hooked module in BackwardHookFunction,
# a custom autograd.Function that returns them as views; the hooked module is the
# in-place ReLU itself, which then writes its own (wrapped) input. The marker is on
# that ReLU in the list of layers (torch's traceback leaves this file at `x = self.layers(x)`).
import torch
import torch.nn as nn


class MNASNet(nn.Module):
    def __init__(self, num_classes=10, dropout=0.2):
        super().__init__()
        layers = [
            nn.Conv2d(3, 8, 3, padding=1, stride=2, bias=False),
            nn.BatchNorm2d(8),
            nn.ReLU(inplace=True),
            nn.Conv2d(8, 8, 3, padding=1, groups=8, bias=False),
            nn.BatchNorm2d(8),
            nn.ReLU(inplace=True),
            nn.Conv2d(8, 16, 1, bias=False),
            nn.BatchNorm2d(16),
            nn.ReLU(inplace=True),  # error: IPL012
        ]
        self.layers = nn.Sequential(*layers)
        self.classifier = nn.Sequential(nn.Dropout(p=dropout, inplace=True), nn.Linear(16, num_classes))

    def forward(self, x):
        x = self.layers(x)
        # Equivalent to global avgpool and removing H and W dimensions.
        x = x.mean([2, 3])
        return self.classifier(x)


class ActivationsAndGradients:
    """ Class for extracting activations and
    registering gradients from targetted intermediate layers """

    def __init__(self, model, target_layers, reshape_transform):
        self.model = model
        self.gradients = []
        self.activations = []
        self.reshape_transform = reshape_transform
        self.handles = []
        for target_layer in target_layers:
            self.handles.append(
                target_layer.register_forward_hook(self.save_activation))
            # Backward compitability with older pytorch versions:
            if hasattr(target_layer, 'register_full_backward_hook'):
                self.handles.append(
                    target_layer.register_full_backward_hook(self.save_gradient))
            else:
                self.handles.append(
                    target_layer.register_backward_hook(self.save_gradient))

    def save_activation(self, module, input, output):
        activation = output
        if self.reshape_transform is not None:
            activation = self.reshape_transform(activation)
        self.activations.append(activation.cpu().detach())

    def save_gradient(self, module, grad_input, grad_output):
        # Gradients are computed in reverse order
        grad = grad_output[0]
        if self.reshape_transform is not None:
            grad = self.reshape_transform(grad)
        self.gradients = [grad.cpu().detach()] + self.gradients

    def __call__(self, x):
        self.gradients = []
        self.activations = []
        return self.model(x)


class GradCAM:
    def __init__(self, model, target_layers, reshape_transform=None):
        self.model = model.eval()
        self.activations_and_grads = ActivationsAndGradients(self.model, target_layers, reshape_transform)

    def __call__(self, input_tensor, target_category=None):
        output = self.activations_and_grads(input_tensor)
        if target_category is None:
            target_category = output.argmax(dim=-1)
        self.model.zero_grad()
        loss = output.gather(1, target_category.view(-1, 1)).sum()
        loss.backward(retain_graph=True)
        activations = self.activations_and_grads.activations[-1]
        grads = self.activations_and_grads.gradients[-1]
        weights = grads.mean(dim=(2, 3), keepdim=True)
        cam = torch.relu((weights * activations).sum(dim=1))
        return cam


model = MNASNet()
target_layers = [model.layers[-1]]
cam = GradCAM(model=model, target_layers=target_layers)
input_tensor = torch.randn(1, 3, 32, 32)
grayscale_cam = cam(input_tensor=input_tensor)
