# case: discuss-residual-unit-adds-into-conv-input
# source: https://discuss.pytorch.org/t/in-place-operation-and-resnet/10724
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# The thread's ResidualUnitA (its "implementation 1"): after the in-place ReLU, x is the input of self.conv_1, which
# saves it for its weight gradient, and `x += residual` then overwrites it (the answer: "The back-propagation of
# self.conv_1 needs the original value of x"). The unit is kept as posted, with fewer channels; a stem and a
# classifier head around it and one SGD step stand in for the training loop.
# Marked also: `F.relu(x, inplace=True)` after it writes the same saved tensor again (alone, it breaks backward
# too: the first ReLU and conv_1 saved it).
import torch
import torch.nn as nn
import torch.nn.functional as F


class ResidualUnitA(nn.Module):
    def __init__(self):
        super(ResidualUnitA, self).__init__()
        self.conv_0 = nn.Conv2d(3, 4, 3, padding=1, bias=False)
        self.bn_0 = nn.BatchNorm2d(4)
        self.conv_1 = nn.Conv2d(4, 4, 3, padding=1, bias=False)
        self.bn_1 = nn.BatchNorm2d(4)

    def forward(self, x):
        x = self.conv_0(x)
        x = self.bn_0(x)
        x = F.relu(x, inplace=True)

        residual = self.conv_1(x)
        residual = self.bn_1(residual)
        x += residual  # error: IPL003
        x = F.relu(x, inplace=True)  # error: IPL003

        return x


class Net(nn.Module):
    def __init__(self, num_classes=3):
        super(Net, self).__init__()
        self.unit = ResidualUnitA()
        self.fc = nn.Linear(4, num_classes)

    def forward(self, x):
        x = self.unit(x)
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.fc(x)


torch.manual_seed(0)
model = Net()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
images, labels = torch.randn(4, 3, 8, 8), torch.tensor([0, 1, 2, 1])
optimizer.zero_grad()
loss = F.cross_entropy(model(images), labels)
loss.backward()
optimizer.step()
