# case: forward-keeps-leaf-input-grad-read
# source: inplace-lint issue #13 (look-alike of module-attribute-cat-of-leaves-grad-read)
# expect: clean
# torch: clean
# check: model.inp.grad is not None

# forward keeps its input in `self.inp`; the caller passes a leaf that requires grad, so `model.inp.grad` is
# populated by backward.
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 2)

    def forward(self, x):
        self.inp = x
        return self.fc(x)


model = Net()
x = torch.randn(4, 3, requires_grad=True)
model(x).sum().backward()
print(model.inp.grad)
