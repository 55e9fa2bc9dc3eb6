# case: hooks-registered-by-recursive-walk-then-residual-add
# source: https://github.com/shap/shap/issues/3466
# expect: markers
# torch: raises "is a view and is being modified inplace. This view was created inside a custom Function"

# shap's DeepExplainer registers its hooks with a method that calls itself on each child module down to the leaves
# (`add_handles`). A full backward hook on the block's BatchNorm wraps its output in BackwardHookFunction; the
# residual `out += identity` then writes into that custom Function's view.
import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 3, padding=1)
        self.bn = nn.BatchNorm2d(4)

    def forward(self, x):
        identity = x
        out = self.bn(self.conv(x))
        out += identity  # error: IPL012
        return out


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer1 = nn.Sequential(Block())

    def forward(self, x):
        return self.layer1(x)


def add_handles(model, backward_handle):
    handles = []
    children = list(model.children())
    if children:
        for child in children:
            handles.extend(add_handles(child, backward_handle))
    else:
        handles.append(model.register_full_backward_hook(backward_handle))
    return handles


model = Net()
add_handles(model, lambda m, gi, go: None)
x = torch.rand(2, 4, 3, 3, requires_grad=True)
model(x).sum().backward()
