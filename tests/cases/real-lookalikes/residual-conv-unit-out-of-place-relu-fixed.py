# case: residual-conv-unit-out-of-place-relu-fixed
# source: https://github.com/pytorch/pytorch/issues/44194
# expect: clean
# torch: clean
# check: torch.allclose(out, ref_out, atol=1e-6)

# Look-alike of residual-conv-unit-inplace-relu-skip: the unit as the user rewrote it,
# `nn.ReLU(inplace=False)`, so `self.relu(x)` leaves x intact and the skip connection adds
# the pre-activation input, matching the reference computed by hand.
import torch
import torch.nn as nn

torch.manual_seed(0)


class ResidualConvUnit(nn.Module):

    def __init__(self, features):
        super().__init__()

        self.conv1 = nn.Conv2d(
            features, features, kernel_size=3, stride=1, padding=1, bias=True
        )
        self.conv2 = nn.Conv2d(
            features, features, kernel_size=3, stride=1, padding=1, bias=True
        )
        self.relu = nn.ReLU(inplace=False)

    def forward(self, x):
        out = self.relu(x)
        out = self.conv1(out)
        out = self.relu(out)
        out = self.conv2(out)
        return out + x


class Refine(nn.Module):
    def __init__(self, features=4):
        super().__init__()
        self.stem = nn.Conv2d(3, features, 3, padding=1)
        self.unit = ResidualConvUnit(features)

    def forward(self, img):
        return self.unit(self.stem(img))


model = Refine()
img = torch.randn(1, 3, 8, 8)
out = model(img)
out.sum().backward()

with torch.no_grad():
    h = model.stem(img)
    u = model.unit
    ref_out = u.conv2(torch.relu(u.conv1(torch.relu(h)))) + h
