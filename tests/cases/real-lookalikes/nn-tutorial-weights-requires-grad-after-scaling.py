# case: nn-tutorial-weights-requires-grad-after-scaling
# source: https://github.com/pytorch/tutorials/issues/3716
# expect: clean
# torch: clean
# check: weights.is_leaf and torch.all(weights.grad == 0) and not torch.allclose(weights, initial)

# The tutorial as written: the initialisation math first, then `weights.requires_grad_()`, so `weights` is a leaf,
# gets its gradient, and the manual update under no_grad works.
import math

import torch

weights = torch.randn(784, 10) / math.sqrt(784)
weights.requires_grad_()
bias = torch.zeros(10, requires_grad=True)
initial = weights.detach().clone()


def log_softmax(x):
    return x - x.exp().sum(-1).log().unsqueeze(-1)


def model(xb):
    return log_softmax(xb @ weights + bias)


def nll(input, target):
    return -input[range(target.shape[0]), target].mean()


loss_func = nll
x_train = torch.rand(64, 784)
y_train = torch.randint(0, 10, (64,))
lr = 0.5
bs = 64

xb = x_train[0:bs]
yb = y_train[0:bs]
pred = model(xb)
loss = loss_func(pred, yb)

loss.backward()
with torch.no_grad():
    weights -= weights.grad * lr
    bias -= bias.grad * lr
    weights.grad.zero_()
    bias.grad.zero_()
