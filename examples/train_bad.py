"""A tiny MLP trained with a hand-written SGD step -- done wrong in four common ways.

    inplace-lint examples/train_bad.py     # reports all four
    python examples/train_bad.py           # dies at the first one, in step 0:
    RuntimeError: a leaf Variable that requires grad is being used in an in-place operation.

examples/train_good.py is the corrected version.
"""
import torch

torch.manual_seed(0)
X = torch.randn(64, 4)
Y = X.sum(dim=1, keepdim=True).tanh()

W1 = (torch.randn(4, 16) * 0.5).requires_grad_()
b1 = torch.zeros(16, requires_grad=True)
W2 = torch.randn(16, 1, requires_grad=True)
b2 = torch.zeros(1, requires_grad=True)
lr = 0.05
steps = 100

for step in range(steps):
    b2_copy = b2.detach().requires_grad_(True)  # a new leaf: the gradient never reaches b2
    hidden = torch.relu(X @ W1 + b1)
    pred = hidden @ W2 + b2_copy
    loss = ((pred - Y) ** 2).mean()
    loss.backward()

    W1 -= lr * W1.grad  # in place on a leaf with grad mode on: raises
    b1.data.add_(-lr * b1.grad)  # hidden from autograd's version counter
    W2 = W2 - lr * W2.grad  # W2 is no longer a leaf: next step W2.grad is None
    with torch.no_grad():
        b2 -= lr * b2.grad  # b2.grad is None (see b2_copy)
    W1.grad.zero_()
    b1.grad.zero_()
    print(f"step {step}: loss {loss.item():.4f}")
