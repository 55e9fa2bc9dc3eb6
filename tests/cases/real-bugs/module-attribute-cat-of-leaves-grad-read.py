# case: module-attribute-cat-of-leaves-grad-read
# source: https://github.com/pytorch/pytorch/issues/1760
# expect: markers
# torch: raises "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed"

# The condensed code: forward keeps `torch.cat(x)` in `self.y`, and the caller reads `model.y.grad` after
# backward. `self.y` is the result of an operation, not a leaf, so its .grad stays None (today torch also warns
# when it is read). Variable(...) replaced by torch.tensor(..., requires_grad=True); print() of Python 3.
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.fc0 = nn.Linear(3, 5)

    def forward(self, x):
        x = torch.cat(x)  # error: IPL005
        self.y = x
        x = self.fc0(self.y)
        return x


model = Net()
x = [torch.tensor([[1., 2, 3], [4, 5, 6], [7, 8, 9]], requires_grad=True) for i in range(3)]
output = model(x)
output[0][0].backward()
print(model.y.grad)
