# case: discuss-residual-unit-adds-identity-into-bn-output
# source: https://discuss.pytorch.org/t/in-place-operation-and-resnet/10724
# expect: clean
# torch: clean
# check: all(torch.allclose(p.grad, r.grad, atol=1e-6) for p, r in zip(model.parameters(), reference.parameters()))

# The thread's ResidualUnitB ("implementation 2"), which runs: identity keeps the ReLU output, self.conv_1 saves it,
# and `x += identity` writes into the output of self.bn_1, which nothing saved; the last ReLU is in place on the sum.
# Same stem/head as real-bugs/discuss-residual-unit-adds-into-conv-input; the check compares the gradients with a
# copy of the model whose forward does the same with out-of-place ops only.
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F


class ResidualUnitB(nn.Module):
    def __init__(self):
        super(ResidualUnitB, self).__init__()
        self.conv_0 = nn.Conv2d(3, 4, 3, padding=1, bias=False)
        self.bn_0 = nn.BatchNorm2d(4)
        self.conv_1 = nn.Conv2d(4, 4, 3, padding=1, bias=False)
        self.bn_1 = nn.BatchNorm2d(4)

    def forward(self, x):
        x = self.conv_0(x)
        x = self.bn_0(x)
        x = F.relu(x, inplace=True)

        identity = x
        x = self.conv_1(x)
        x = self.bn_1(x)
        x += identity
        x = F.relu(x, inplace=True)

        return x


class OutOfPlaceUnit(ResidualUnitB):
    def forward(self, x):
        x = F.relu(self.bn_0(self.conv_0(x)))
        return F.relu(self.bn_1(self.conv_1(x)) + x)


class Net(nn.Module):
    def __init__(self, unit, num_classes=3):
        super(Net, self).__init__()
        self.unit = unit
        self.fc = nn.Linear(4, num_classes)

    def forward(self, x):
        x = self.unit(x)
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.fc(x)


torch.manual_seed(0)
model = Net(ResidualUnitB())
reference = Net(OutOfPlaceUnit())
reference.load_state_dict(copy.deepcopy(model.state_dict()))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
images, labels = torch.randn(4, 3, 8, 8), torch.tensor([0, 1, 2, 1])
F.cross_entropy(reference(images), labels).backward()
optimizer.zero_grad()
loss = F.cross_entropy(model(images), labels)
loss.backward()
optimizer.step()
