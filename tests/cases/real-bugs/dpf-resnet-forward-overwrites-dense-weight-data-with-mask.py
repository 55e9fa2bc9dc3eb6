# case: dpf-resnet-forward-overwrites-dense-weight-data-with-mask
# source: https://github.com/INCHEON-CHO/Dynamic_Model_Pruning_with_Feedback/issues/1
# expect: markers
# torch: clean
# known-miss: `self.conv1.weight.data = torch.mul(...)` replaces the Parameter's storage (the idiom of `Module._apply`, not an in-place write); the analysis reports writes into `.data` (IPL004), not assignments to it
# check: bool(pruned.any()) and bool((w_before[pruned] != 0).all()) and bool((w_seen[pruned] == 0).all())

# DPF's models/resnet.py masks each conv in forward with
# `self.conv1.weight.data = torch.mul(self.conv1.weight, self.mask1.weight)`: the dense
# weights DPF must keep (pruned weights get gradient feedback and may come back) are
# overwritten through `.data` on every forward, silently. Reduced: CIFAR ResNet with one
# BasicBlock per stage, 8x8 input, one pruning call and one training step.
import torch
import torch.nn as nn
import torch.nn.functional as F


class Shortcut(nn.Module):
    def __init__(self, in_planes, planes, expansion=1, kernel_size=1, stride=1, bias=False):
        super(Shortcut, self).__init__()
        self.conv1 = nn.Conv2d(in_planes, expansion*planes, kernel_size=kernel_size, stride=stride, bias=False)
        self.mask1 = nn.Conv2d(in_planes, expansion*planes, kernel_size=kernel_size, stride=stride, bias=False)
        self.mask1.weight.data = torch.ones(self.mask1.weight.size())
        self.bn1 = nn.BatchNorm2d(expansion*planes)

    def forward(self, x):
        self.conv1.weight.data = torch.mul(self.conv1.weight,  self.mask1.weight)  # error: IPL004
        return self.bn1(self.conv1(x))

    def __prune__(self, threshold):
        self.mask1.weight.data = torch.gt(torch.abs(self.conv1.weight), threshold).float()


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, in_planes, planes, stride=1):
        super(BasicBlock, self).__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, kernel_size=3, stride=stride, padding=1, bias=False)
        self.mask1 = nn.Conv2d(in_planes, planes, kernel_size=3, stride=stride, padding=1, bias=False)
        self.mask1.weight.data = torch.ones(self.mask1.weight.size())
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=1, padding=1, bias=False)
        self.mask2 = nn.Conv2d(planes, planes, kernel_size=3, stride=1, padding=1, bias=False)
        self.mask2.weight.data = torch.ones(self.mask2.weight.size())
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != self.expansion*planes:
            self.shortcut = Shortcut(in_planes, planes, self.expansion, kernel_size=1, stride=stride, bias=False)

    def forward(self, x):
        self.conv1.weight.data = torch.mul(self.conv1.weight,  self.mask1.weight)  # error: IPL004
        self.conv2.weight.data = torch.mul(self.conv2.weight,  self.mask2.weight)  # error: IPL004

        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += self.shortcut(x)
        out = F.relu(out)
        return out

    def __prune__(self, threshold):
        self.mask1.weight.data = torch.gt(torch.abs(self.conv1.weight), threshold).float()
        self.mask2.weight.data = torch.gt(torch.abs(self.conv2.weight), threshold).float()
        if isinstance(self.shortcut, Shortcut):
            self.shortcut.__prune__(threshold)


class ResNet(nn.Module):
    def __init__(self, block, num_blocks, data='cifar10'):
        super(ResNet, self).__init__()
        self.in_planes = 4
        self.out_planes = 4
        self.num_classes = int(data[5:])
        self.conv1 = nn.Conv2d(3, self.out_planes, kernel_size=3, stride=1, padding=1, bias=False)
        self.mask1 = nn.Conv2d(3, self.out_planes, kernel_size=3, stride=1, padding=1, bias=False)
        self.mask1.weight.data = torch.ones(self.mask1.weight.size())
        self.bn1 = nn.BatchNorm2d(self.out_planes)
        self.layer1 = self._make_layer(block, self.out_planes, num_blocks[0], stride=1)
        self.layer2 = self._make_layer(block, self.out_planes * 2, num_blocks[1], stride=2)
        self.linear = nn.Linear(self.out_planes*2*block.expansion, self.num_classes)

    def _make_layer(self, block, planes, num_blocks, stride):
        strides = [stride] + [1]*(num_blocks-1)
        layers = []
        for stride in strides:
            layers.append(block(self.in_planes, planes, stride))
            self.in_planes = planes * block.expansion
        return nn.Sequential(*layers)

    def forward(self, x):
        self.conv1.weight.data = torch.mul(self.conv1.weight,  self.mask1.weight)  # error: IPL004

        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layer1(out)
        out = self.layer2(out)
        out = F.avg_pool2d(out, out.size(3))
        out = out.view(out.size(0), -1)
        out = self.linear(out)
        return out

    def __prune__(self, threshold):
        self.mask1.weight.data = torch.gt(torch.abs(self.conv1.weight), threshold).float()
        for layer in [self.layer1, self.layer2]:
            for sub_block in layer:
                sub_block.__prune__(threshold)


torch.manual_seed(0)
net = ResNet(BasicBlock, [1, 1], data='cifar10')
optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
net.__prune__(threshold=0.1)
conv = net.layer1[0].conv1
pruned = net.layer1[0].mask1.weight.detach() == 0
w_before = conv.weight.detach().clone()

x = torch.randn(2, 3, 8, 8)
target = torch.tensor([1, 3])
out = net(x)
w_seen = conv.weight.detach().clone()   # the dense weight as DPF should keep it
loss = F.cross_entropy(out, target)
optimizer.zero_grad()
loss.backward()
optimizer.step()
