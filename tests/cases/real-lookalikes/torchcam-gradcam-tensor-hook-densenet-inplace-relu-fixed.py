# case: torchcam-gradcam-tensor-hook-densenet-inplace-relu-fixed
# source: https://github.com/frgfm/torch-cam/issues/72
# expect: clean
# torch: clean
# check: cam.shape == (1, 32, 32) and extract.hook_g is not None and torch.allclose(extract.hook_g, ref_grad)

# Look-alike of torchcam-gradcam-backward-hook-densenet-inplace-relu: the fix of torch-cam PR #80
# (the trick from pytorch/pytorch#61519): the forward hook registers a hook on the output tensor
# itself, no module backward hook, so `features` is a plain tensor and DenseNet's in-place ReLU
# on it is allowed. The tensor hook, registered before the in-place ReLU, still receives the
# gradient with respect to the pre-ReLU features; the check compares it with autograd.grad on an
# out-of-place copy of the model's forward.
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
            nn.BatchNorm2d(8),
        )
        self.classifier = nn.Linear(8, num_classes)

    def forward(self, x):
        features = self.features(x)
        out = F.relu(features, inplace=True)
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

    def _store_grad(self, grad):
        self.hook_g = grad.data

    def _hook_a(self, module, input, output):
        self.hook_a = output.data.clone()
        output.register_hook(self._store_grad)

    def __call__(self, class_idx, scores):
        scores[:, class_idx].sum().backward()
        weights = self.hook_g.mean(dim=(2, 3), keepdim=True)
        return F.relu((weights * self.hook_a).sum(1))


torch.manual_seed(0)
model = TinyDenseNet().eval()
input_tensor = torch.randn(3, 32, 32)
extract = GradCAM(model=model)
out = model(input_tensor.unsqueeze(0))
idx = out.argmax(1).item()
cam = extract(idx, out)

feats = model.features(input_tensor.unsqueeze(0))
ref_scores = model.classifier(torch.flatten(F.adaptive_avg_pool2d(F.relu(feats), (1, 1)), 1))
ref_grad = torch.autograd.grad(ref_scores[:, idx].sum(), feats)[0]
