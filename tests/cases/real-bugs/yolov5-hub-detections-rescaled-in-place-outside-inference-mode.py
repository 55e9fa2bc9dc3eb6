# case: yolov5-hub-detections-rescaled-in-place-outside-inference-mode
# source: https://github.com/ultralytics/yolov5/issues/9629
# expect: markers
# torch: raises "Inplace update to inference tensor outside InferenceMode"

# The user loads YOLOv5 through PyTorch Hub (an AutoShape wrapper whose forward runs under
# smart_inference_mode(), i.e. torch.inference_mode()), then, in their own code and outside any
# inference mode, feeds `det[:, :4]` of each `results.xyxy` entry to utils.general.scale_boxes,
# which shifts and rescales the boxes in place (`boxes[:, [0, 2]] -= pad[0]`, ...). The boxes were
# made under inference_mode, so they are inference tensors; the maintainer: "inference_mode() has
# been inherited by the results.xyxy tensor ... sidestep the problem by cloning".
# Kept: AutoShape.forward decorated with inference mode, the Detections object holding a list
# `xyxy`, the user's loop `for i, det in enumerate(results.xyxy)`, the slice `det[:, :4]` passed
# to scale_boxes / clip_boxes as in yolov5's utils/general.py. Completed: a tiny detector that
# emits fixed-size box predictions from a random image, no NMS, a letterboxed 64x64 input.
# Markers: every in-place write into the inference tensor raises on its own (fixing the first leaves the next).
import torch
import torch.nn as nn


def smart_inference_mode():
    def decorate(fn):
        return torch.inference_mode()(fn)
    return decorate


class TinyDetect(nn.Module):
    def __init__(self, n=5):
        super().__init__()
        self.n = n
        self.conv = nn.Conv2d(3, 6 * n, 8, stride=8)

    def forward(self, x):
        y = self.conv(x).mean((2, 3)).view(x.shape[0], self.n, 6).sigmoid()
        return y * torch.tensor([64.0, 64.0, 64.0, 64.0, 1.0, 80.0])  # x1 y1 x2 y2 conf cls


class Detections:
    def __init__(self, ims, pred):
        self.ims = ims
        self.xyxy = list(pred)


class AutoShape(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model.eval()

    @smart_inference_mode()
    def forward(self, ims, size=64):
        pred = self.model(ims)
        return Detections(ims, pred)


def clip_boxes(boxes, shape):
    boxes[:, 0].clamp_(0, shape[1])  # error: IPL011
    boxes[:, 1].clamp_(0, shape[0])  # error: IPL011
    boxes[:, 2].clamp_(0, shape[1])  # error: IPL011
    boxes[:, 3].clamp_(0, shape[0])  # error: IPL011


def scale_boxes(img1_shape, boxes, img0_shape, ratio_pad=None):
    gain = min(img1_shape[0] / img0_shape[0], img1_shape[1] / img0_shape[1])
    pad = (img1_shape[1] - img0_shape[1] * gain) / 2, (img1_shape[0] - img0_shape[0] * gain) / 2
    boxes[:, [0, 2]] -= pad[0]  # error: IPL011
    boxes[:, [1, 3]] -= pad[1]  # error: IPL011
    boxes[:, :4] /= gain  # error: IPL011
    clip_boxes(boxes, img0_shape)
    return boxes


detect_model = AutoShape(TinyDetect())
frame = torch.rand(1, 3, 64, 64)
results = detect_model(frame, size=64)
for i, det in enumerate(results.xyxy):
    img1shape = (64, 64)
    detected_coordinates = det[:, :4]
    img0shape = (48, 64)
    detected_coordinates = scale_boxes(img1shape, detected_coordinates, img0shape).round()
