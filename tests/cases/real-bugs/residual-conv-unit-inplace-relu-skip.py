# case: residual-conv-unit-inplace-relu-skip
# source: https://github.com/pytorch/pytorch/issues/44194
# expect: markers
# torch: clean
# check: not torch.allclose(out, ref_out)

# The report: a pretrained model's ResidualConvUnit gives totally different outputs when its
# ReLU is switched from inplace=True to inplace=False. The unit starts with
# `out = self.relu(x)` and returns `out + x`: with an in-place ReLU the first call
# overwrites the caller's x, so the skip connection adds relu(x) instead of x. No error is
# raised (x comes from a conv that does not save its output); the result is silently wrong.
# The unit is as posted, with inplace=True as in the pretrained model; a stem conv feeds it.
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
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        out = self.relu(x)  # error: IPL008
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
