# case: pytorch-relu-then-functional-relu-out-of-place
# source: https://github.com/pytorch/pytorch/issues/148835
# expect: clean
# torch: clean
# check: torch.allclose(model.linear.weight.grad, reference)

# The same model with the second ReLU out of place (what the thread's answer asks for): the saved result of
# the first ReLU stays intact.
import torch


class SimpleModel(torch.nn.Module):
    def __init__(self):
        super(SimpleModel, self).__init__()
        self.linear = torch.nn.Linear(10, 10)

    def forward(self, x):
        x = self.linear(x)
        x = torch.nn.functional.relu(x)
        x = torch.nn.functional.relu(x)
        return x


torch.manual_seed(0)
model = SimpleModel()
inputs = torch.randn(1, 10)
out = model(inputs)
out.sum().backward()
reference = ((inputs @ model.linear.weight.detach().t() + model.linear.bias.detach()) > 0).float().t() @ inputs
