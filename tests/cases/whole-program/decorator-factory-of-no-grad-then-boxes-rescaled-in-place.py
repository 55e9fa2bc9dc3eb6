# case: decorator-factory-of-no-grad-then-boxes-rescaled-in-place
# source: https://github.com/ultralytics/yolov5/issues/9629
# expect: clean
# torch: clean
# check: bool((boxes[:, :4] >= -1e6).all())

# The same decorator factory returning `torch.no_grad()(fn)` (what YOLOv5 falls back to on old torch): the detections
# are normal tensors that do not require grad, and rescaling them in place is fine.
import torch
import torch.nn as nn


def smart_inference_mode():
    def decorate(fn):
        return torch.no_grad()(fn)
    return decorate


class Detector(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 6, 8, stride=8)

    @smart_inference_mode()
    def forward(self, x):
        return self.conv(x).flatten(2).transpose(1, 2)[0]


boxes = Detector()(torch.rand(1, 3, 32, 32))
boxes[:, :4] /= 2.0
