# case: module-attribute-cat-of-leaves-retain-grad
# source: https://github.com/pytorch/pytorch/issues/1760
# expect: clean
# torch: clean
# check: torch.allclose(model.y.grad[0], model.fc0.weight[0].detach()) and torch.allclose(x[0].grad, model.y.grad[:3])

# The same Net with the answer's remedy for a non-leaf whose gradient is wanted: `self.y.retain_grad()` in forward,
# so `model.y.grad` is populated (and equals what reaches the leaves it was concatenated from).
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.fc0 = nn.Linear(3, 5)

    def forward(self, x):
        x = torch.cat(x)
        self.y = x
        self.y.retain_grad()
        x = self.fc0(self.y)
        return x


model = Net()
x = [torch.tensor([[1., 2, 3], [4, 5, 6], [7, 8, 9]], requires_grad=True) for i in range(3)]
output = model(x)
output[0][0].backward()
print(model.y.grad)
