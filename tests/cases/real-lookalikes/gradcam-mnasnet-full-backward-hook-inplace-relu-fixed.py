# case: gradcam-mnasnet-full-backward-hook-inplace-relu-fixed
# source: https://github.com/jacobgil/pytorch-grad-cam/issues/164
# expect: clean
# torch: clean
# check: len(cam.activations_and_grads.gradients) == 1 and grayscale_cam.shape == (1, 16, 16)

# The same Grad-CAM run with the fix merged for this family of reports
# (jacobgil/pytorch-grad-cam PR #183, after pytorch/pytorch#61519): no module backward
# hook any more; a second forward hook registers a tensor hook on the layer's output to
# record its gradient, so nothing wraps the inputs of the in-place ReLU.
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
            nn.ReLU(inplace=True),
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
            # Because of https://github.com/pytorch/pytorch/issues/61519,
            # we don't use backward hook to record gradients.
            self.handles.append(
                target_layer.register_forward_hook(self.save_gradient))

    def save_activation(self, module, input, output):
        activation = output
        if self.reshape_transform is not None:
            activation = self.reshape_transform(activation)
        self.activations.append(activation.cpu().detach())

    def save_gradient(self, module, input, output):
        if not hasattr(output, "requires_grad") or not output.requires_grad:
            # You can only register hooks on tensor requires grad.
            return

        # Gradients are computed in reverse order
        def _store_grad(grad):
            if self.reshape_transform is not None:
                grad = self.reshape_transform(grad)
            self.gradients = [grad.cpu().detach()] + self.gradients

        output.register_hook(_store_grad)

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
