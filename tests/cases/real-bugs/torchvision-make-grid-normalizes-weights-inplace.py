# case: torchvision-make-grid-normalizes-weights-inplace
# source: https://github.com/pytorch/vision/issues/217
# expect: markers
# torch: clean
# check: not torch.allclose(model.conv1.weight, ref.conv1.weight)

# "Was using torchvision.utils.make_grid to view model weights, but turns out this
# function modifies the input tensor in-place, causing weirdness during training."
# With normalize=True the 2017 make_grid clamped/shifted/scaled the tensor it was given
# in place (norm_ip).  Passing `model.conv1.weight.data` therefore rewrote the live
# parameter storage behind autograd's back -- no error, the model just trains from
# corrupted weights.  Fixed in PR #241 by cloning the input first.
# Kept: make_grid(tensor, nrow, padding, normalize, range, scale_each) with the nested
# norm_ip / norm_range helpers writing in place, called on `weight.data` from a training
# loop for visualisation.
# Completed: a tiny conv net, a fake batch, SGD; a twin model `ref` trained identically
# without the visualisation call shows the divergence.  Grid layout is simplified.
import builtins
import copy
import torch
import torch.nn as nn

range_ = builtins.range  # make_grid has a parameter called `range`


def make_grid(tensor, nrow=8, padding=2, normalize=False, range=None, scale_each=False):
    if normalize is True:
        def norm_ip(img, min, max):
            img.clamp_(min=min, max=max)  # warning: IPL004
            img.add_(-min).div_(max - min + 1e-5)  # warning: IPL004, IPL004

        def norm_range(t, range):
            if range is not None:
                norm_ip(t, range[0], range[1])
            else:
                norm_ip(t, float(t.min()), float(t.max()))

        if scale_each is True:
            for t in tensor:
                norm_range(t, range)
        else:
            norm_range(tensor, range)
    nmaps = tensor.size(0)
    xmaps = min(nrow, nmaps)
    ymaps = (nmaps + xmaps - 1) // xmaps
    h, w = tensor.size(2) + padding, tensor.size(3) + padding
    grid = tensor.new_zeros(3, ymaps * h + padding, xmaps * w + padding)
    k = 0
    for y in range_(ymaps):
        for x in range_(xmaps):
            if k >= nmaps:
                break
            grid[:, y * h + padding:(y + 1) * h, x * w + padding:(x + 1) * w].copy_(tensor[k])
            k += 1
    return grid


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3)
        self.fc = nn.Linear(4 * 6 * 6, 2)

    def forward(self, x):
        return self.fc(torch.relu(self.conv1(x)).flatten(1))


torch.manual_seed(0)
model = Net()
ref = copy.deepcopy(model)
opt = torch.optim.SGD(model.parameters(), lr=0.01)
opt_ref = torch.optim.SGD(ref.parameters(), lr=0.01)
x, y = torch.randn(4, 3, 8, 8), torch.randint(0, 2, (4,))

for step in range_(3):
    for m, o in ((model, opt), (ref, opt_ref)):
        o.zero_grad()
        nn.functional.cross_entropy(m(x), y).backward()
        o.step()
    grid = make_grid(model.conv1.weight.data, normalize=True)   # visualise filters
