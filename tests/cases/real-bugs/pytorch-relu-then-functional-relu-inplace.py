# case: pytorch-relu-then-functional-relu-inplace
# source: https://github.com/pytorch/pytorch/issues/148835
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# The eager reproducer from the thread (first reported against Inductor): F.relu saves its result, and
# F.relu_ then overwrites that result in place. The tensor reaches the bad line as the output of a layer
# applied to forward's argument.
import torch


class SimpleModel(torch.nn.Module):
    def __init__(self):
        super(SimpleModel, self).__init__()
        self.linear = torch.nn.Linear(10, 10)

    def forward(self, x):
        x = self.linear(x)
        x = torch.nn.functional.relu(x)
        x = torch.nn.functional.relu_(x)  # error: IPL003
        return x


model = SimpleModel()
inputs = torch.randn(1, 10)
out = model(inputs)
out.sum().backward()
