# case: inplace-relu-kept-by-modules-loop-then-hooked-bn
# expect: markers
# torch: raises "Output 0 of BackwardHookFunction is a view and is being modified inplace"

# The same net, with the `.modules()` loop setting back only the `nn.ReLU6` layers: the `nn.ReLU(inplace=True)` after
# the hooked BatchNorm still writes into BackwardHookFunction's view.
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(4)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        return self.relu(self.bn1(x))  # error: IPL012


model = Net()
for m in model.modules():
    if isinstance(m, nn.ReLU6):
        m.inplace = False
model.bn1.register_full_backward_hook(lambda m, gi, go: None)
x = torch.rand(2, 4, 3, 3, requires_grad=True)
model(x).sum().backward()
