# case: nn-tutorial-weights-scaled-after-requires-grad
# source: https://github.com/pytorch/tutorials/issues/3716
# expect: markers
# torch: raises "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed"

# The pitfall the issue asks the "neural net from scratch" tutorial (beginner/nn_tutorial) to explain: creating the
# weights with requires_grad=True and then dividing by sqrt(784) makes `weights` the result of an operation, not a
# leaf, so backward leaves weights.grad None and the manual update fails. The tutorial's model and loop, on random
# data of the MNIST shapes, one batch.
import math

import torch

weights = torch.randn(784, 10, requires_grad=True) / math.sqrt(784)  # error: IPL005
bias = torch.zeros(10, requires_grad=True)


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
