"""The corrected version of train_bad.py: a tiny MLP trained with a hand-written SGD step.

Every update runs under torch.no_grad() and changes the leaves in place (so they stay leaves), the gradients are
cleared after each step, and the forward pass uses the parameters themselves, not detached copies.

    python examples/train_good.py
    inplace-lint examples/train_good.py    # no findings
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
losses = []

for step in range(steps):
    hidden = torch.relu(X @ W1 + b1)
    pred = hidden @ W2 + b2
    loss = ((pred - Y) ** 2).mean()
    loss.backward()
    losses.append(loss.item())

    with torch.no_grad():
        W1 -= lr * W1.grad
        b1 -= lr * b1.grad
        W2 -= lr * W2.grad
        b2 -= lr * b2.grad
    for p in (W1, b1, W2, b2):
        p.grad = None

print(f"loss {losses[0]:.4f} -> {losses[-1]:.4f} after {steps} steps")
