# case: bifpn-fusefeature-relu-made-inplace-on-weight-clone
# source: https://github.com/zylo117/Yet-Another-EfficientDet-Pytorch/issues/503
# expect: clean
# torch: clean
# check: model.fuse.weight_relu.inplace and torch.allclose(model.fuse.weight.grad, reference.fuse.weight.grad, atol=1e-7) and model.fuse.weight.is_leaf

# The maintainer's answer in the thread: apply the ReLU to self.weight.clone(), so that even once YOLOv5's
# initialize_weights has made it in place, it writes the clone and the parameter stays a leaf that gets its
# gradient through the clone. Same reconstructed model as real-bugs/bifpn-fusefeature-relu-made-inplace-on-weight;
# the check compares the fusion weight's gradient with a copy whose ReLUs are out of place.
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F


def initialize_weights(model):
    for m in model.modules():
        t = type(m)
        if t is nn.Conv2d:
            pass  # nn.init.kaiming_normal_(m.weight, mode='fan_out', nonlinearity='relu')
        elif t is nn.BatchNorm2d:
            m.eps = 1e-3
            m.momentum = 0.03
        elif t in [nn.Hardswish, nn.LeakyReLU, nn.ReLU, nn.ReLU6]:
            m.inplace = True


class Conv(nn.Module):
    def __init__(self, c1, c2, k=1, s=1):
        super(Conv, self).__init__()
        self.conv = nn.Conv2d(c1, c2, k, s, k // 2, bias=False)
        self.bn = nn.BatchNorm2d(c2)
        self.act = nn.LeakyReLU(0.1)

    def forward(self, x):
        return self.act(self.bn(self.conv(x)))


class Fusefeature(nn.Module):
    # replace concat with fusefeature
    def __init__(self, e=1e-4):
        super(Fusefeature, self).__init__()
        self.e = e
        self.weight = nn.Parameter(torch.ones(2, dtype=torch.float32), requires_grad=True)
        self.weight_relu = nn.ReLU()
        self.swish = nn.SiLU()

    def forward(self, x):
        weight = self.weight_relu(self.weight.clone())
        weight = weight / (torch.sum(weight, dim=0) + self.e)
        return self.swish(weight[0] * x[0] + weight[1] * x[1])


class Model(nn.Module):
    def __init__(self, nc=2):
        super(Model, self).__init__()
        self.stem = Conv(3, 8, 3, 2)
        self.down = Conv(8, 8, 3, 2)
        self.up = nn.Upsample(scale_factor=2, mode='nearest')
        self.fuse = Fusefeature()
        self.head = nn.Conv2d(8, nc, 1)
        initialize_weights(self)

    def forward(self, x):
        p1 = self.stem(x)
        p2 = self.down(p1)
        return self.head(self.fuse([p1, self.up(p2)]))


torch.manual_seed(0)
model = Model()
reference = copy.deepcopy(model)
for m in reference.modules():
    if isinstance(m, (nn.ReLU, nn.LeakyReLU)):
        m.inplace = False
optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.937, nesterov=True)
imgs, targets = torch.rand(2, 3, 16, 16), torch.rand(2, 2, 8, 8)
F.binary_cross_entropy_with_logits(reference(imgs), targets).backward()
optimizer.zero_grad()
loss = F.binary_cross_entropy_with_logits(model(imgs), targets)
loss.backward()
optimizer.step()
