# case: fastbook-mnist-basics-weight-row-nudged-under-no-grad
# source: https://github.com/fastai/fastbook/pull/471
# expect: clean
# torch: clean
# check: weights.grad is not None and bool(torch.isfinite(weights).all())

# fastbook's 04_mnist_basics with the nudge made outside autograd, before any graph uses the
# weights, so the leaf is changed without the in-place check and the later training epoch is
# unaffected. The PR's fix writes `weights[0].data *= 1.0001` (and the book's SGD step
# `p.data -= p.grad*lr`): those `.data` writes get IPL004's documented warning, so this
# look-alike makes both writes under `torch.no_grad()`, the form the rule suggests.
# Reduced as the bug: 16 synthetic "pixels", a list of batches instead of a DataLoader.
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
            with torch.no_grad():
                p -= p.grad*lr
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

with torch.no_grad():
    weights[0] *= 1.0001
preds = linear1(train_x)
acc_after = ((preds>0.0).float() == train_y).float().mean().item()

lr = 1.
params = weights,bias
train_epoch(linear1, lr, params)
