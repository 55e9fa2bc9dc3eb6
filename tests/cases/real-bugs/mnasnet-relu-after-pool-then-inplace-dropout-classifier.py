# case: mnasnet-relu-after-pool-then-inplace-dropout-classifier
# source: https://github.com/microsoft/nni/pull/4614
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# NNI's multi-trial MNASNet example pools the features, applies F.relu (which saves its output) and hands the
# result to `self.classifier`, an nn.Sequential whose first layer was nn.Dropout(p=dropout, inplace=True), so the
# dropout overwrites the saved ReLU output. The retiarii placeholders are replaced by two fixed RegularConv
# blocks, and the widths are tiny.
import torch
import torch.nn as nn
import torch.nn.functional as F

_BN_MOMENTUM = 1 - 0.9997


class RegularConv(nn.Module):
    def __init__(self, kernel_size, in_ch, out_ch, skip, exp_ratio, stride):
        super().__init__()
        self.skip = skip
        self.conv = nn.Conv2d(in_ch, out_ch, kernel_size, padding=kernel_size // 2, stride=stride, bias=False)
        self.relu = nn.ReLU(inplace=True)
        self.bn = nn.BatchNorm2d(out_ch, momentum=_BN_MOMENTUM)

    def forward(self, x):
        out = self.bn(self.relu(self.conv(x)))
        if self.skip == 'identity':
            out = out + x
        return out


class MNASNet(nn.Module):
    def __init__(self, depths=(8, 8, 16), num_classes=5, dropout=0.2):
        super().__init__()
        layers = [
            nn.Conv2d(3, depths[0], 3, padding=1, stride=2, bias=False),
            nn.BatchNorm2d(depths[0], momentum=_BN_MOMENTUM),
            nn.ReLU(inplace=True),
        ]
        layers.append(RegularConv(3, depths[0], depths[1], 'identity', 3, 1))
        layers.append(RegularConv(3, depths[1], depths[2], 'no', 3, 2))
        layers += [
            nn.Conv2d(depths[2], 32, 1, padding=0, stride=1, bias=False),
            nn.BatchNorm2d(32, momentum=_BN_MOMENTUM),
            nn.ReLU(inplace=True),
        ]
        self.layers = nn.Sequential(*layers)
        self.classifier = nn.Sequential(nn.Dropout(p=dropout, inplace=True),
                                        nn.Linear(32, num_classes))

    def forward(self, x):
        x = self.layers(x)
        # Equivalent to global avgpool and removing H and W dimensions.
        x = x.mean([2, 3])
        x = F.relu(x)
        return self.classifier(x)  # error: IPL003


torch.manual_seed(0)
model = MNASNet()
model.train()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
logits = model(torch.randn(2, 3, 16, 16))
loss = F.cross_entropy(logits, torch.tensor([1, 3]))
optimizer.zero_grad()
loss.backward()
optimizer.step()
