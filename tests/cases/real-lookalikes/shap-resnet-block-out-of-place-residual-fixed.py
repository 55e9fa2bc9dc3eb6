# case: shap-resnet-block-out-of-place-residual-fixed
# source: https://github.com/shap/shap/issues/3466
# expect: clean
# torch: clean
# check: grads[0] is not None and bool(torch.isfinite(grads[0]).all())

# shap.DeepExplainer on a torchvision ResNet: shap's PyTorchDeep.add_handles puts a forward hook and a
# full backward hook on every leaf module, so each module's output comes back as a view made inside
# the hook's custom Function. The workaround the shap threads give: ReLUs with inplace=False
# (done here with the same .modules() loop) AND `out = out + identity` instead of `out += identity`.
# The residual add now makes a new tensor and leaves bn2's hooked output alone, so the explainer's
# torch.autograd.grad runs through the hooks.
import torch
import torch.nn as nn


class BasicBlock(nn.Module):
    def __init__(self, planes):
        super().__init__()
        self.conv1 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)

    def forward(self, x):
        identity = x
        out = self.conv1(x)
        out = self.bn1(out)
        out = self.relu(out)
        out = self.conv2(out)
        out = self.bn2(out)
        out = out + identity
        out = self.relu(out)
        return out


class ResNet(nn.Module):
    def __init__(self, num_classes=3):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(4)
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = nn.Sequential(BasicBlock(4))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(4, num_classes)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer1(x)
        x = torch.flatten(self.avgpool(x), 1)
        return self.fc(x)


def passthrough(module, grad_input, grad_output):
    return None


def linear_1d(module, grad_input, grad_output):
    return None


def nonlinear_1d(module, grad_input, grad_output):
    delta_out = module.y[: int(module.y.shape[0] / 2)] - module.y[int(module.y.shape[0] / 2):]
    delta_in = module.x[: int(module.x.shape[0] / 2)] - module.x[int(module.x.shape[0] / 2):]
    dup0 = [2] + [1 for i in delta_in.shape[1:]]
    grads = [None for _ in grad_input]
    grads[0] = torch.where(torch.abs(delta_in.repeat(dup0)) < 1e-6, grad_input[0],
                           grad_output[0] * (delta_out / delta_in).repeat(dup0))
    return tuple(grads)


op_handler = {'Conv2d': linear_1d, 'Linear': linear_1d, 'BatchNorm2d': linear_1d,
              'AdaptiveAvgPool2d': linear_1d, 'ReLU': nonlinear_1d}


def deeplift_grad(module, grad_input, grad_output):
    module_type = module.__class__.__name__
    if op_handler[module_type].__name__ not in ['passthrough', 'linear_1d']:
        return op_handler[module_type](module, grad_input, grad_output)


def add_interim_values(module, input, output):
    if op_handler[module.__class__.__name__].__name__ == 'nonlinear_1d':
        setattr(module, 'x', torch.nn.Parameter(input[0].detach()))
        setattr(module, 'y', torch.nn.Parameter(output.detach()))


class PyTorchDeep:
    def __init__(self, model, data):
        self.model = model.eval()
        self.data = [data]

    def add_handles(self, model, forward_handle, backward_handle):
        handles_list = []
        model_children = list(model.children())
        if model_children:
            for child in model_children:
                handles_list.extend(self.add_handles(child, forward_handle, backward_handle))
        else:
            handles_list.append(model.register_forward_hook(forward_handle))
            handles_list.append(model.register_full_backward_hook(backward_handle))
        return handles_list

    def gradient(self, idx, inputs):
        self.model.zero_grad()
        X = [x.requires_grad_() for x in inputs]
        outputs = self.model(*X)
        selected = [val for val in outputs[:, idx]]
        return [torch.autograd.grad(selected, x, allow_unused=True)[0] for x in X]

    def shap_values(self, X):
        handles = self.add_handles(self.model, add_interim_values, deeplift_grad)
        joint_x = [torch.cat((X[0:1].repeat(self.data[0].shape[0], 1, 1, 1), self.data[0]), dim=0)]
        grads = self.gradient(0, joint_x)
        for h in handles:
            h.remove()
        return grads


torch.manual_seed(0)
model = ResNet()
for m in model.modules():          # the thread's first workaround: no in-place ReLU
    if isinstance(m, nn.ReLU):
        m.inplace = False
background = torch.rand(2, 3, 6, 6)
e = PyTorchDeep(model, background)
grads = e.shap_values(torch.rand(2, 3, 6, 6))
