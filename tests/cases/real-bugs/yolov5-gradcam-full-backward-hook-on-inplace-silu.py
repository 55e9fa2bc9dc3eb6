# case: yolov5-gradcam-full-backward-hook-on-inplace-silu
# source: https://github.com/pooya-mohammadi/yolov5-gradcam/issues/7
# expect: markers
# torch: raises "Output 0 of BackwardHookFunction is a view and is being modified inplace"
# known-miss: the hooked SiLU is found by `find_yolo_layer` through `model.model._modules[...]` with names split from a string; the analysis does not resolve `_modules` lookups by computed names

# The thread: YOLOV5GradCAM (models/gradcam.py) hooks the layer named by `--target-layer model_23_cv3_act`,
# found by `find_yolo_layer`, which walks `model.model._modules` by the parts of the name: the SiLU `act` of the
# `cv3` Conv of a C3 block. The user replaced the deprecated `register_backward_hook` with
# `register_full_backward_hook`, and the dummy forward in `YOLOV5GradCAM.__init__` raised "Output 0 of
# BackwardHookFunctionBackward is a view and is being modified inplace". The SiLU is built as `nn.SiLU()` in
# Conv.__init__, but yolov5's `attempt_load` (models/experimental.py) walks `model.modules()` afterwards and sets
# `m.inplace = True` on every SiLU/ReLU/LeakyReLU ("torch 1.7.0 compatibility"); a full backward hook routes the
# module's input through BackwardHookFunction, and the in-place SiLU then writes into that view.
# Reduced: the checkpoint load is replaced by building a two-layer Model (a Conv stem and one C3 block, tiny
# channels, 16x16 input), without fusing; the detector wrapper keeps `model.model` and returns logits; the Detect
# head is a 1x1 conv pooled to class scores. Kept: Conv/C3 classes, attempt_load's modules() loop,
# find_yolo_layer, the YOLOV5GradCAM hooks and its dummy forward.

import torch
import torch.nn as nn


class Conv(nn.Module):
    # Standard convolution (yolov5 models/common.py)
    def __init__(self, c1, c2, k=1, s=1):
        super().__init__()
        self.conv = nn.Conv2d(c1, c2, k, s, k // 2, bias=False)
        self.bn = nn.BatchNorm2d(c2)
        self.act = nn.SiLU()

    def forward(self, x):
        return self.act(self.bn(self.conv(x)))  # error: IPL012


class C3(nn.Module):
    # CSP Bottleneck with 3 convolutions
    def __init__(self, c1, c2):
        super().__init__()
        c_ = c2 // 2
        self.cv1 = Conv(c1, c_, 1, 1)
        self.cv2 = Conv(c1, c_, 1, 1)
        self.cv3 = Conv(2 * c_, c2, 1)
        self.m = nn.Sequential(Conv(c_, c_, 3, 1))

    def forward(self, x):
        return self.cv3(torch.cat((self.m(self.cv1(x)), self.cv2(x)), dim=1))


class Model(nn.Module):
    def __init__(self, nc=3):
        super().__init__()
        self.model = nn.Sequential(Conv(3, 4, 3, 2), C3(4, 4))
        self.head = nn.Conv2d(4, nc, 1)

    def forward(self, x):
        return self.head(self.model(x)).mean((2, 3))


def attempt_load(inplace=True):
    model = Model().eval()
    # Compatibility updates
    for m in model.modules():
        t = type(m)
        if t in (nn.Hardswish, nn.LeakyReLU, nn.ReLU, nn.ReLU6, nn.SiLU, Model):
            m.inplace = inplace  # torch 1.7.0 compatibility
    return model


class YOLOV5TorchObjectDetector(nn.Module):
    def __init__(self):
        super().__init__()
        self.model = attempt_load(inplace=True)

    def forward(self, img):
        logits = self.model(img)
        preds = logits.argmax(1)
        return preds, logits


def find_yolo_layer(model, layer_name):
    hierarchy = layer_name.split('_')
    target_layer = model.model._modules[hierarchy[0]]
    for h in hierarchy[1:]:
        target_layer = target_layer._modules[h]
    return target_layer


class YOLOV5GradCAM:
    def __init__(self, model, layer_name, img_size=(16, 16)):
        self.model = model
        self.gradients = dict()
        self.activations = dict()

        def backward_hook(module, grad_input, grad_output):
            self.gradients['value'] = grad_output[0]
            return None

        def forward_hook(module, input, output):
            self.activations['value'] = output
            return None

        target_layer = find_yolo_layer(self.model, layer_name)
        target_layer.register_forward_hook(forward_hook)
        target_layer.register_full_backward_hook(backward_hook)

        self.model(torch.zeros(1, 3, *img_size))

    def forward(self, input_img):
        preds, logits = self.model(input_img)
        self.model.zero_grad()
        score = logits[0, preds[0]]
        score.backward(retain_graph=True)
        gradients = self.gradients['value']
        activations = self.activations['value']
        b, k, u, v = gradients.size()
        weights = gradients.view(b, k, -1).mean(2).view(b, k, 1, 1)
        return torch.relu((weights * activations).sum(1, keepdim=True))


torch.manual_seed(0)
model = YOLOV5TorchObjectDetector()
cam = YOLOV5GradCAM(model=model, layer_name='model_1_cv3_act')
saliency = cam.forward(torch.rand(1, 3, 16, 16))
