# case: dpf-resnet-masker-function-keeps-dense-weight
# source: https://github.com/INCHEON-CHO/Dynamic_Model_Pruning_with_Feedback/issues/1
# expect: clean
# torch: clean
# check: bool(pruned.any()) and torch.equal(w_seen, w_before) and conv.weight.grad is not None and bool(torch.isfinite(conv.weight.grad).all())

# DPF's ResNet with the fix the author describes in the thread ("modified this line with
# Autograd class for preserving weight"), the Masker Function of pruning/dpf/mnn.py: the
# forward convolves with `Masker.apply(self.conv1.weight, self.mask1.weight)` and leaves the
# dense weight intact; Masker passes the gradient straight through to it. Reduced as the bug.
import torch
import torch.nn as nn
import torch.nn.functional as F


class Masker(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mask):
        return x * mask

    @staticmethod
    def backward(ctx, grad):
        return grad, None


class Shortcut(nn.Module):
    def __init__(self, in_planes, planes, expansion=1, kernel_size=1, stride=1, bias=False):
        super(Shortcut, self).__init__()
        self.conv1 = nn.Conv2d(in_planes, expansion*planes, kernel_size=kernel_size, stride=stride, bias=False)
        self.mask1 = nn.Conv2d(in_planes, expansion*planes, kernel_size=kernel_size, stride=stride, bias=False)
        self.mask1.weight.data = torch.ones(self.mask1.weight.size())
        self.bn1 = nn.BatchNorm2d(expansion*planes)

    def forward(self, x):
        weight = Masker.apply(self.conv1.weight, self.mask1.weight)
        return self.bn1(F.conv2d(x, weight, None, self.conv1.stride))

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
        weight1 = Masker.apply(self.conv1.weight, self.mask1.weight)
        weight2 = Masker.apply(self.conv2.weight, self.mask2.weight)

        out = F.relu(self.bn1(F.conv2d(x, weight1, None, self.conv1.stride, self.conv1.padding)))
        out = self.bn2(F.conv2d(out, weight2, None, self.conv2.stride, self.conv2.padding))
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
        weight = Masker.apply(self.conv1.weight, self.mask1.weight)

        out = F.relu(self.bn1(F.conv2d(x, weight, None, self.conv1.stride, self.conv1.padding)))
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
