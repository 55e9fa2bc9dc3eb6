# case: vgg-from-local-cfg-saves-optimised-image-then-snapshot-scaled
# source: https://github.com/halahup/NeuralStyleTransfer/issues/1
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# VGG19's features (37 layers) built from a configuration list written in the function, as torchvision's
# `make_layers` does: the loop over it appends a convolution first, so the first layer saves the optimised image.
# A snapshot of the image scaled in place before `backward()` writes into it (on the CPU `.cpu()` returns the tensor
# itself): a warning that says so.
import torch
import torch.nn as nn


def features():
    cfg = [4, 4, "M", 8, 8, "M", 8, 8, 8, 8, "M", 16, 16, 16, 16, "M", 16, 16, 16, 16, "M"]
    layers, in_channels = [], 3
    for v in cfg:
        if v == "M":
            layers += [nn.MaxPool2d(kernel_size=2, stride=2)]
        else:
            layers += [nn.Conv2d(in_channels, v, kernel_size=3, padding=1), nn.ReLU(inplace=True)]
            in_channels = v
    return nn.Sequential(*layers)


torch.manual_seed(0)
vgg = features()
image = torch.rand(1, 3, 32, 32, requires_grad=True)
opt = torch.optim.Adam([image], lr=0.01)
for step in range(2):
    opt.zero_grad()
    loss = vgg(image).pow(2).mean()
    snapshot = image.detach().cpu()
    snapshot.mul_(255)  # warning: IPL003
    loss.backward()
    opt.step()
