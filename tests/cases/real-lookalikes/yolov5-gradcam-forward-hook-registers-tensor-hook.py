# case: yolov5-gradcam-forward-hook-registers-tensor-hook
# source: https://github.com/pooya-mohammadi/yolov5-gradcam/issues/7
# expect: clean
# torch: clean
# check: torch.allclose(cam_grad, ref_grad) and saliency.shape == (1, 1, 8, 8)

# The look-alike of yolov5-gradcam-full-backward-hook-on-inplace-silu: the same yolov5 Conv/C3 model, whose SiLUs
# attempt_load's modules() loop makes in-place, and the same YOLOV5GradCAM on `model_1_cv3_act`, but the gradient
# is captured the way pytorch-grad-cam does it (https://github.com/jacobgil/pytorch-grad-cam/pull/183, the
# workaround given in the pytorch issue the thread's error leads to): the forward hook registers a tensor hook on
# the layer's output instead of a full backward hook on the module, so nothing routes the in-place SiLU's input
# through BackwardHookFunction. The reference gradient is computed with torch.autograd.grad on a second forward.

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
        return self.act(self.bn(self.conv(x)))


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

        def save_gradient(grad):
            self.gradients['value'] = grad

        def forward_hook(module, input, output):
            self.activations['value'] = output
            output.register_hook(save_gradient)
            return None

        target_layer = find_yolo_layer(self.model, layer_name)
        target_layer.register_forward_hook(forward_hook)

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
img = torch.rand(1, 3, 16, 16)
saliency = cam.forward(img)
cam_grad = cam.gradients['value'].clone()

kept = {}
handle = find_yolo_layer(model, 'model_1_cv3_act').register_forward_hook(lambda m, i, o: kept.update(out=o))
preds, logits = model(img)
ref_grad, = torch.autograd.grad(logits[0, preds[0]], kept['out'])
handle.remove()
