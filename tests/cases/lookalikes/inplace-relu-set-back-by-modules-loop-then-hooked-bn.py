# case: inplace-relu-set-back-by-modules-loop-then-hooked-bn
# expect: clean
# torch: clean
# check: x.grad is not None

# The first workaround the shap threads give for "Output 0 of BackwardHookFunction is a view and is being modified
# inplace": a `.modules()` loop sets every ReLU built with `inplace=True` back to out of place. The ReLU after the
# hooked BatchNorm then writes nothing.
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(4)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        return self.relu(self.bn1(x))


model = Net()
for m in model.modules():
    if isinstance(m, nn.ReLU):
        m.inplace = False
model.bn1.register_full_backward_hook(lambda m, gi, go: None)
x = torch.rand(2, 4, 3, 3, requires_grad=True)
model(x).sum().backward()
