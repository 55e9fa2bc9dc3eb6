# case: yolov5-hub-detections-cloned-before-rescale-fixed
# source: https://github.com/ultralytics/yolov5/issues/9629
# expect: clean
# torch: clean
# check: len(scaled) == 1 and not torch.is_inference(scaled[0]) and bool((scaled[0][:, [1, 3]] <= 48).all())

# Look-alike of yolov5-hub-detections-rescaled-in-place-outside-inference-mode: the maintainer's
# fix from the thread, `for i, xyxy_immutable in enumerate(results.xyxy): detect_info =
# xyxy_immutable.clone()`. The clone, made outside inference mode, is a normal tensor, so the
# in-place shifts of scale_boxes are allowed.
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
        return y * torch.tensor([64.0, 64.0, 64.0, 64.0, 1.0, 80.0])


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
    boxes[:, 0].clamp_(0, shape[1])
    boxes[:, 1].clamp_(0, shape[0])
    boxes[:, 2].clamp_(0, shape[1])
    boxes[:, 3].clamp_(0, shape[0])


def scale_boxes(img1_shape, boxes, img0_shape, ratio_pad=None):
    gain = min(img1_shape[0] / img0_shape[0], img1_shape[1] / img0_shape[1])
    pad = (img1_shape[1] - img0_shape[1] * gain) / 2, (img1_shape[0] - img0_shape[0] * gain) / 2
    boxes[:, [0, 2]] -= pad[0]
    boxes[:, [1, 3]] -= pad[1]
    boxes[:, :4] /= gain
    clip_boxes(boxes, img0_shape)
    return boxes


detect_model = AutoShape(TinyDetect())
frame = torch.rand(1, 3, 64, 64)
results = detect_model(frame, size=64)
scaled = []
for i, xyxy_immutable in enumerate(results.xyxy):
    det = xyxy_immutable.clone()
    img1shape = (64, 64)
    detected_coordinates = det[:, :4]
    img0shape = (48, 64)
    scaled.append(scale_boxes(img1shape, detected_coordinates, img0shape).round())
