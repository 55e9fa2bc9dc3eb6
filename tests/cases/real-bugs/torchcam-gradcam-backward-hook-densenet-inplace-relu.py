# case: torchcam-gradcam-backward-hook-densenet-inplace-relu
# source: https://github.com/frgfm/torch-cam/issues/72
# expect: markers
# torch: raises "is a view and is being modified inplace. This view was created inside a custom Function"

# torch-cam 0.2: GradCAM(model) locates the target layer (for densenet121 the `features`
# nn.Sequential) and installs a forward hook for the activations and a full backward hook for the
# gradients on it. torchvision's DenseNet.forward then applies `F.relu(features, inplace=True)` to
# that module's output. A module with a full backward hook returns views made by
# BackwardHookFunction (the report names it BackwardHookFunctionBackward); writing them in place was a deprecation warning in torch 1.8 (the report)
# and is an error now. Maintainer's fix (torch-cam PR #80): hook the output tensor in the forward
# hook instead of using a module backward hook.
# Kept: the DenseNet forward with its in-place ReLU after self.features, the CAM extractor that
# hooks `model.features` by name through named_modules(), `extract = GradCAM(model=model)` then
# `out = model(input_tensor.unsqueeze(0))`. Completed: a two-block toy DenseNet (no dense
# concatenation), random 32x32 input instead of a read and normalised image.
import torch
import torch.nn as nn
import torch.nn.functional as F


class TinyDenseNet(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1, bias=False),
            nn.BatchNorm2d(8),
            nn.ReLU(inplace=True),
            nn.Conv2d(8, 8, 3, padding=1, bias=False),
            nn.BatchNorm2d(8),  # norm5
        )
        self.classifier = nn.Linear(8, num_classes)

    def forward(self, x):
        features = self.features(x)
        out = F.relu(features, inplace=True)  # error: IPL012
        out = F.adaptive_avg_pool2d(out, (1, 1))
        out = torch.flatten(out, 1)
        return self.classifier(out)


class GradCAM:
    def __init__(self, model, target_layer="features"):
        self.model = model
        self.submodule_dict = dict(model.named_modules())
        self.hook_a, self.hook_g = None, None
        self.hook_handles = []
        module = self.submodule_dict[target_layer]
        self.hook_handles.append(module.register_forward_hook(self._hook_a))
        self.hook_handles.append(module.register_full_backward_hook(self._hook_g))

    def _hook_a(self, module, input, output):
        self.hook_a = output.data

    def _hook_g(self, module, grad_input, grad_output):
        self.hook_g = grad_output[0].data

    def __call__(self, class_idx, scores):
        scores[:, class_idx].sum().backward()
        weights = self.hook_g.mean(dim=(2, 3), keepdim=True)
        return F.relu((weights * self.hook_a).sum(1))


model = TinyDenseNet().eval()
input_tensor = torch.randn(3, 32, 32)
extract = GradCAM(model=model)
out = model(input_tensor.unsqueeze(0))
cam = extract(out.argmax(1).item(), out)
