# case: adaline-weights-updated-in-place-outside-no-grad
# source: https://github.com/mr-pylin/pytorch-workshop
# expect: markers
# torch: raises "a leaf Variable that requires grad is being used in an in-place operation"

# The workshop notebook code/02-gradient.ipynb trains an ADALINE by hand: W is a leaf with requires_grad=True,
# output = dot(X, W), sigmoid, squared loss, backward, step = lr * W.grad. Its "in-place
# operations on leaf nodes" cell shows `x2 += 1` failing; here the same `-=` is the
# weight update of its train loop written without the `with torch.no_grad():` block.
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
    W -= step  # error: IPL001
    W.grad.zero_()
