# case: deep-helper-saves-argument-then-written
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# score() multiplies its argument by a weight that requires grad, four calls below the code that owns the tensor:
# its summary says the product it returns saved the argument, and the caller normalises that argument in place
# before backward.
import torch


def product(a, w):
    return a * w


def score(a, w):
    return product(a, w).sum()


def evaluate(a, w):
    return score(a, w)


def step(a, w):
    loss = evaluate(a, w)
    a.div_(a.norm())  # error: IPL003
    return loss


def train(w):
    a = torch.randn(5).exp()
    loss = step(a, w)
    loss.backward()


train(torch.randn(5, requires_grad=True))
