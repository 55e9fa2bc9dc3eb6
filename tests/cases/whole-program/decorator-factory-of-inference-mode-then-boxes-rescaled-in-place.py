# case: decorator-factory-of-inference-mode-then-boxes-rescaled-in-place
# source: https://github.com/ultralytics/yolov5/issues/9629
# expect: markers
# torch: raises "Inplace update to inference tensor outside InferenceMode is not allowed"

# YOLOv5's `@smart_inference_mode()` is a decorator factory of the project: its `decorate(fn)` returns
# `torch.inference_mode()(fn)`. The detections the decorated forward returns are inference tensors, and rescaling
# them in place afterwards, outside inference mode, raises.
import torch
import torch.nn as nn


def smart_inference_mode():
    def decorate(fn):
        return torch.inference_mode()(fn)
    return decorate


class Detector(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 6, 8, stride=8)

    @smart_inference_mode()
    def forward(self, x):
        return self.conv(x).flatten(2).transpose(1, 2)[0]


boxes = Detector()(torch.rand(1, 3, 32, 32))
boxes[:, :4] /= 2.0  # error: IPL011
