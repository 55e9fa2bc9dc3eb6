# case: yolov3-create-modules-smart-bias-init-through-data-fixed
# source: https://github.com/sovit-123/Traffic-Light-Detection-Using-YOLOv3/issues/4
# expect: clean
# torch: clean
# check: isinstance(model.module_list[1][0].bias, nn.Parameter) and abs(model.module_list[1][0].bias[4].item() - (b4 - 4.5)) < 1e-5 and model.module_list[1][0].bias.grad is not None

# Look-alike of yolov3-create-modules-smart-bias-init-writes-parameter-view: the fix given in the
# thread, `bias_ = module_list[j][0].bias.data`. The slice and the in-place bumps then act on a
# tensor autograd does not track; the bias is re-wrapped in an nn.Parameter and trains normally.
# (The thread's snippet keeps `requires_grad=bias_.requires_grad`, which is False for `.data`
# and would freeze the bias; the parameter is created trainable here, as the original meant.)
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


B4 = {}


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
            bias_ = module_list[j][0].bias.data  # shape(21,)
            B4["b4"] = bias_[4].item()
            bias = bias_[:modules.no * modules.na].view(modules.na, -1)  # shape(3,7)
            bias[:, 4] += -4.5
            bias[:, 5:] += math.log(0.6 / (modules.nc - 0.99))
            module_list[j][0].bias = torch.nn.Parameter(bias_, requires_grad=True)
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
b4 = B4["b4"]
out = model(torch.randn(1, 3, 32, 32))
out.sum().backward()
