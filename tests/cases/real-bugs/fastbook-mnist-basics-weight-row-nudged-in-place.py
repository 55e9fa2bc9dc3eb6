# case: fastbook-mnist-basics-weight-row-nudged-in-place
# source: https://github.com/fastai/fastbook/pull/471
# expect: markers
# torch: raises "a view of a leaf Variable that requires grad is being used in an in-place operation"

# fastbook's 04_mnist_basics builds `weights = init_params((28*28,1))` (randn * std, then
# requires_grad_()) and, to show that a tiny weight change barely moves accuracy, runs
# `weights[0] *= 1.0001`: an in-place op on a row of a leaf that requires grad. Reduced:
# 16 synthetic "pixels" instead of MNIST 3s and 7s, a list of batches instead of a DataLoader.
import torch


def init_params(size, std=1.0): return (torch.randn(size)*std).requires_grad_()


def linear1(xb): return xb@weights + bias


def mnist_loss(predictions, targets):
    predictions = predictions.sigmoid()
    return torch.where(targets==1, 1-predictions, predictions).mean()


def calc_grad(xb, yb, model):
    preds = model(xb)
    loss = mnist_loss(preds, yb)
    loss.backward()


def train_epoch(model, lr, params):
    for xb,yb in dl:
        calc_grad(xb, yb, model)
        for p in params:
            p.data -= p.grad*lr  # warning: IPL004
            p.grad.zero_()


torch.manual_seed(0)
train_x = torch.rand(32, 16)
train_y = (train_x[:, :8].sum(1, keepdim=True) > train_x[:, 8:].sum(1, keepdim=True)).float()
dl = [(train_x[i:i+8], train_y[i:i+8]) for i in range(0, 32, 8)]

weights = init_params((16,1))
bias = init_params(1)
preds = linear1(train_x)
corrects = (preds>0.0).float() == train_y
acc_before = corrects.float().mean().item()

weights[0] *= 1.0001  # error: IPL002
preds = linear1(train_x)
acc_after = ((preds>0.0).float() == train_y).float().mean().item()

lr = 1.
params = weights,bias
train_epoch(linear1, lr, params)
