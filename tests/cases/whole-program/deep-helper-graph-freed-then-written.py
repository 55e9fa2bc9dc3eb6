# case: deep-helper-graph-freed-then-written
# expect: clean
# torch: clean
# check: w.grad is not None

# deep-helper-saves-argument-then-written where the helper returns a Python number (.item()): its graph, and what
# it saved of the argument, is freed when it returns, so the in-place normalisation breaks nothing.
import torch


def product(a, w):
    return a * w


def score(a, w):
    return product(a, w).sum().item()


def evaluate(a, w):
    return score(a, w)


def step(a, w):
    value = evaluate(a, w)
    a.div_(a.norm())
    loss = (a * w).sum() + value
    return loss


def train(w):
    a = torch.randn(5).exp()
    loss = step(a, w)
    loss.backward()


w = torch.randn(5, requires_grad=True)
train(w)
