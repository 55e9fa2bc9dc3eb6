# case: adaline-weights-updated-in-place-outside-no-grad-fixed
# source: https://github.com/mr-pylin/pytorch-workshop
# expect: clean
# torch: clean
# check: W.is_leaf and W.requires_grad and bool((W < torch.tensor([0.3, 0.7, 0.5])).all())

# The notebook's own train loop: the in-place update of the leaf W and the reset of its
# gradient are done inside `with torch.no_grad():`, which autograd allows.
import torch

y_true = torch.tensor(0, dtype=torch.int64)
X = torch.tensor([1, 2, 3], dtype=torch.float32)
W = torch.tensor([0.3, 0.7, 0.5], dtype=torch.float32, requires_grad=True)

epochs = 2
learning_rate = 0.5

for epoch in range(epochs):
    output = torch.dot(X, W)
    y_pred = torch.sigmoid(output)
    loss = (y_pred - y_true) ** 2
    loss.backward()
    dW = W.grad
    step = learning_rate * dW

    # update weights
    with torch.no_grad():
        W -= step
        W.grad.zero_()
