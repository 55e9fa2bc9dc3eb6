# case: deepsort-yolo-nms-scales-per-image-prediction-in-place
# source: https://github.com/ZQPei/deep_sort_pytorch/issues/219
# expect: markers
# torch: raises "is a view and is being modified inplace. This view is the output of a function that returns multiple views"

# The reporter's non_max_suppression (the 2019 ultralytics/yolov3 one) iterates the batch of raw YOLO predictions,
# `for image_i, pred in enumerate(prediction)`, which hands out the rows of `prediction` as views made by one
# unbind, and then scales the objectness in place, `pred[:, 4] *= class_conf`. The predictions still carry the
# detector's graph (the reporter's pipeline runs the network outside torch.no_grad(), unlike the repository's own
# YOLOv3.__call__), so torch refuses the write into a multi-output view ("Output 0 of SelectBackward", as torch 1.x
# named it). Kept: non_max_suppression as posted, xywh2xyxy and a bbox_iou of the same code base. Completed/
# reduced: the end of the function (sorting and the greedy 'OR' per-class suppression) after the excerpt, a
# one-conv stand-in for Darknet emitting (x, y, w, h, obj, classes) per cell, a Detector that runs it and the NMS.
import torch
import torch.nn as nn


def xywh2xyxy(x):
    # Convert bounding box format from [x, y, w, h] to [x1, y1, x2, y2]
    y = torch.zeros_like(x)
    y[:, 0] = x[:, 0] - x[:, 2] / 2
    y[:, 1] = x[:, 1] - x[:, 3] / 2
    y[:, 2] = x[:, 0] + x[:, 2] / 2
    y[:, 3] = x[:, 1] + x[:, 3] / 2
    return y


def bbox_iou(box1, box2):
    # Returns the IoU of box1 to box2. box1 is 4, box2 is nx4 (x1, y1, x2, y2)
    inter_w = (torch.min(box1[2], box2[:, 2]) - torch.max(box1[0], box2[:, 0])).clamp(0)
    inter_h = (torch.min(box1[3], box2[:, 3]) - torch.max(box1[1], box2[:, 1])).clamp(0)
    inter_area = inter_w * inter_h
    union_area = ((box1[2] - box1[0]) * (box1[3] - box1[1]) + 1e-16) + \
                 (box2[:, 2] - box2[:, 0]) * (box2[:, 3] - box2[:, 1]) - inter_area
    return inter_area / union_area


def non_max_suppression(prediction, conf_thres=0.5, nms_thres=0.5):

    min_wh, max_wh = 2, 10000

    output = [None] * len(prediction)

    for image_i, pred in enumerate(prediction):    # image index , image inference

        class_conf, class_pred = pred[:, 5:].max(1)
        pred[:, 4] *= class_conf  # error: IPL009

        i = (pred[:, 4] > conf_thres) & (pred[:, 2:4] > min_wh).all(1) & (pred[:, 2:4] < max_wh).all(1) & \
            torch.isfinite(pred).all(1)
        pred = pred[i]

        # If none are remaining => process next image
        if len(pred) == 0:
            continue

        # Select predicted classes
        class_conf = class_conf[i]
        class_pred = class_pred[i].unsqueeze(1).float()

        # Box (center x, center y, width, height) to (x1, y1, x2, y2)
        pred[:, :4] = xywh2xyxy(pred[:, :4])

        # Detections ordered as (x1y1x2y2, obj_conf, class_conf, class_pred)
        pred = torch.cat((pred[:, :5], class_conf.unsqueeze(1), class_pred), 1)

        # Get detections sorted by decreasing confidence scores
        pred = pred[(-pred[:, 4]).argsort()]

        det_max = []
        for c in pred[:, -1].unique():
            dc = pred[pred[:, -1] == c]  # select class c
            while dc.shape[0]:
                det_max.append(dc[:1])  # save highest conf detection
                if len(dc) == 1:
                    break
                iou = bbox_iou(dc[0], dc[1:])  # iou with other boxes
                dc = dc[1:][iou < nms_thres]  # remove ious > threshold

        if len(det_max):
            det_max = torch.cat(det_max)  # concatenate
            output[image_i] = det_max[(-det_max[:, 4]).argsort()]  # sort

    return output


class TinyYOLO(nn.Module):
    """Stand-in for Darknet: one conv head, (x, y, w, h, obj, classes) per cell of a 4x4 grid."""

    def __init__(self, num_classes=3, img_size=64):
        super().__init__()
        self.num_classes = num_classes
        self.img_size = img_size
        self.head = nn.Conv2d(3, 5 + num_classes, kernel_size=16, stride=16)

    def forward(self, img):
        p = self.head(img).flatten(2).permute(0, 2, 1)  # B x cells x (5 + nc)
        xy = torch.sigmoid(p[..., :2]) * self.img_size
        wh = torch.exp(p[..., 2:4]).clamp(max=8.0) * 8.0
        scores = torch.sigmoid(p[..., 4:])
        return torch.cat((xy, wh, scores), -1)


class Detector(object):
    def __init__(self, conf_thresh=0.01, nms_thresh=0.45):
        self.net = TinyYOLO()
        self.net.eval()
        self.conf_thresh = conf_thresh
        self.nms_thresh = nms_thresh

    def __call__(self, img):
        prediction = self.net(img)
        return non_max_suppression(prediction, self.conf_thresh, self.nms_thresh)


torch.manual_seed(0)
detector = Detector()
detections = detector(torch.rand(2, 3, 64, 64))
