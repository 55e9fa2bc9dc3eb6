# case: yolov3-create-modules-smart-bias-init-writes-parameter-view
# source: https://github.com/sovit-123/Traffic-Light-Detection-Using-YOLOv3/issues/4
# expect: markers
# torch: raises "a view of a leaf Variable that requires grad is being used in an in-place operation"

# models.py (ultralytics-yolov3 style create_modules): when a [yolo] block is parsed, the bias of
# the preceding Conv2d, reached as module_list[j][0].bias, is sliced and reshaped to
# (anchors, outputs) and its objectness / class columns are bumped in place ("smart bias
# initialization", focal-loss paper 3.3). The bias is an nn.Parameter, so `bias` is a view of a
# leaf that requires grad; the reporter says this fails with torch 1.8 and gives the .data fix.
# Kept: the cfg-driven loop over module_defs, nn.Sequential blocks in an nn.ModuleList, the
# YOLOLayer built with `no`/`na`/`nc`, `j = layers[yolo_index] if 'from' in mdef else -1`, the
# in-place `+=` on `bias[:, 4]` and `bias[:, 5:]`, and the re-wrap in nn.Parameter.
# Completed: a two-block cfg given as a list of dicts instead of a parsed .cfg file, 2 classes,
# 3 anchors, no try/except around the initialisation (upstream ultralytics wraps it and prints a
# warning; the report says the repository's code fails).
# Markers: each in-place write into the view of the leaf bias raises on its own (fixing the first leaves the second).
import math
import torch
import torch.nn as nn


class YOLOLayer(nn.Module):
    def __init__(self, anchors, nc, stride):
        super().__init__()
        self.anchors = torch.tensor(anchors, dtype=torch.float32)
        self.na = len(anchors)
        self.nc = nc
        self.no = nc + 5
        self.stride = stride

    def forward(self, p):
        bs, _, ny, nx = p.shape
        return p.view(bs, self.na, self.no, ny, nx).permute(0, 1, 3, 4, 2).contiguous()


def create_modules(module_defs, img_size=64):
    output_filters = [3]
    module_list = nn.ModuleList()
    yolo_index = -1
    layers = []
    for i, mdef in enumerate(module_defs):
        modules = nn.Sequential()
        if mdef["type"] == "convolutional":
            filters = mdef["filters"]
            modules.add_module("Conv2d", nn.Conv2d(output_filters[-1], filters, mdef["size"],
                                                   stride=mdef["stride"], padding=mdef["size"] // 2,
                                                   bias=not mdef["batch_normalize"]))
            if mdef["batch_normalize"]:
                modules.add_module("BatchNorm2d", nn.BatchNorm2d(filters))
            if mdef["activation"] == "leaky":
                modules.add_module("activation", nn.LeakyReLU(0.1))
        elif mdef["type"] == "yolo":
            yolo_index += 1
            stride = [32, 16, 8]
            modules = YOLOLayer(anchors=mdef["anchors"], nc=mdef["classes"], stride=stride[yolo_index])
            j = layers[yolo_index] if "from" in mdef else -1
            bias_ = module_list[j][0].bias  # shape(21,)
            bias = bias_[:modules.no * modules.na].view(modules.na, -1)  # shape(3,7)
            bias[:, 4] += -4.5  # error: IPL002
            bias[:, 5:] += math.log(0.6 / (modules.nc - 0.99))  # error: IPL002
            module_list[j][0].bias = torch.nn.Parameter(bias_, requires_grad=bias_.requires_grad)
        module_list.append(modules)
        output_filters.append(filters)
    return module_list


class Darknet(nn.Module):
    def __init__(self, module_defs):
        super().__init__()
        self.module_list = create_modules(module_defs)

    def forward(self, x):
        for m in self.module_list:
            x = m(x)
        return x


cfg = [
    {"type": "convolutional", "filters": 8, "size": 3, "stride": 2, "batch_normalize": 1, "activation": "leaky"},
    {"type": "convolutional", "filters": 21, "size": 1, "stride": 1, "batch_normalize": 0, "activation": "linear"},
    {"type": "yolo", "anchors": [(10, 13), (16, 30), (33, 23)], "classes": 2},
]
model = Darknet(cfg)
out = model(torch.randn(1, 3, 32, 32))
