# case: torchvision-make-grid-normalizes-weights-inplace-fixed
# source: https://github.com/pytorch/vision/issues/217
# expect: clean
# torch: clean
# check: torch.allclose(model.conv1.weight, ref.conv1.weight) and float(grid.max()) <= 1.0

# The fix from torchvision PR #241: make_grid clones its input (`tensor = tensor.clone()`)
# before normalising, so visualising `weight.data` no longer touches the parameter.
import builtins
import copy
import torch
import torch.nn as nn

range_ = builtins.range  # make_grid has a parameter called `range`


def make_grid(tensor, nrow=8, padding=2, normalize=False, range=None, scale_each=False):
    tensor = tensor.clone()
    if normalize is True:
        def norm_ip(img, min, max):
            img.clamp_(min=min, max=max)
            img.add_(-min).div_(max - min + 1e-5)

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
    grid = make_grid(model.conv1.weight.data, normalize=True)
