# case: yolov4-csp-relu-residual-add
# source: https://github.com/argusswift/YOLOv4-pytorch/issues/247
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# argusswift/YOLOv4-pytorch, model/backbones/CSPDarknet53.py (Convolutional, CSPBlock,
# CSPStage). The reporter switched the default activation of `Convolutional` from
# "mish" to "relu" (`activate='relu'` at line 35); `activate_name["relu"]` then builds
# `nn.ReLU(inplace=True)`. Kept: Convolutional, CSPBlock (attention turned off, as with
# cfg.ATTENTION["TYPE"] = "NONE"), CSPStage; trimmed: the other stages, weight loading,
# the YOLO head; completed: a tiny input and a dummy loss. The last module of
# `self.block` (an nn.Sequential of two Convolutionals) ends in the in-place ReLU, which
# saves its own output for backward; `out += residual` then writes that very tensor, so
# ReluBackward0 finds it at a newer version.
import torch
import torch.nn as nn
import torch.nn.functional as F


class Mish(nn.Module):
    def __init__(self):
        super(Mish, self).__init__()

    def forward(self, x):
        return x * torch.tanh(F.softplus(x))


norm_name = {"bn": nn.BatchNorm2d}
activate_name = {
    "relu": nn.ReLU,
    "leaky": nn.LeakyReLU,
    "linear": nn.Identity(),
    "mish": Mish(),
}


class Convolutional(nn.Module):
    def __init__(self, filters_in, filters_out, kernel_size, stride=1, norm="bn", activate="relu"):
        super(Convolutional, self).__init__()
        self.norm = norm
        self.activate = activate
        self.__conv = nn.Conv2d(in_channels=filters_in, out_channels=filters_out,
                                kernel_size=kernel_size, stride=stride,
                                padding=kernel_size // 2, bias=not norm)
        if norm:
            assert norm in norm_name.keys()
            if norm == "bn":
                self.__norm = norm_name[norm](num_features=filters_out)
        if activate:
            assert activate in activate_name.keys()
            if activate == "leaky":
                self.__activate = activate_name[activate](negative_slope=0.1, inplace=True)
            if activate == "relu":
                self.__activate = activate_name[activate](inplace=True)
            if activate == "mish":
                self.__activate = activate_name[activate]

    def forward(self, x):
        x = self.__conv(x)
        if self.norm:
            x = self.__norm(x)
        if self.activate:
            x = self.__activate(x)
        return x


class CSPBlock(nn.Module):
    def __init__(self, in_channels, out_channels, hidden_channels=None, residual_activation="linear"):
        super(CSPBlock, self).__init__()
        if hidden_channels is None:
            hidden_channels = out_channels
        self.block = nn.Sequential(
            Convolutional(in_channels, hidden_channels, 1),
            Convolutional(hidden_channels, out_channels, 3),
        )
        self.activation = activate_name[residual_activation]
        self.attention = None

    def forward(self, x):
        residual = x
        out = self.block(x)
        if self.attention is not None:
            out = self.attention_module(out)
        out += residual  # error: IPL003
        return out


class CSPStage(nn.Module):
    def __init__(self, in_channels, out_channels, num_blocks):
        super(CSPStage, self).__init__()
        self.downsample_conv = Convolutional(in_channels, out_channels, 3, stride=2)
        self.split_conv0 = Convolutional(out_channels, out_channels // 2, 1)
        self.split_conv1 = Convolutional(out_channels, out_channels // 2, 1)
        self.blocks_conv = nn.Sequential(
            *[CSPBlock(out_channels // 2, out_channels // 2) for _ in range(num_blocks)],
            Convolutional(out_channels // 2, out_channels // 2, 1)
        )
        self.concat_conv = Convolutional(out_channels, out_channels, 1)

    def forward(self, x):
        x = self.downsample_conv(x)
        x0 = self.split_conv0(x)
        x1 = self.split_conv1(x)
        x1 = self.blocks_conv(x1)
        x = torch.cat([x0, x1], dim=1)
        x = self.concat_conv(x)
        return x


model = CSPStage(8, 16, 2)
optimizer = torch.optim.SGD(model.parameters(), lr=1e-3)
images = torch.randn(2, 8, 16, 16)

optimizer.zero_grad()
features = model(images)
loss = features.pow(2).mean()
loss.backward()
optimizer.step()
