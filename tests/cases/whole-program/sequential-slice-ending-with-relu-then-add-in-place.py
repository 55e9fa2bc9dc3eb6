# case: sequential-slice-ending-with-relu-then-add-in-place
# source: https://github.com/halahup/NeuralStyleTransfer/issues/1
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# Style transfer reads features from slices of VGG's `features` (`self.vgg[:k](x)`). A slice of an nn.Sequential is
# an nn.Sequential of those layers: here it ends with a ReLU, which saved its output, and the feature map is then
# shifted in place.
import torch
import torch.nn as nn


class Features(nn.Module):
    def __init__(self):
        super().__init__()
        self.vgg = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 8, 3, padding=1), nn.ReLU())

    def content(self, x):
        f = self.vgg[:2](x)
        f += 1.0  # error: IPL003
        return f


torch.manual_seed(0)
net = Features()
image = torch.rand(1, 3, 8, 8, requires_grad=True)
net.content(image).pow(2).mean().backward()
