# case: manual-sgd-param-update-without-no-grad
# source: https://hao-yiwen.github.io/yiwen-blog-website/en/docs/ai/frameworks/pytorch/common-errors
# expect: markers
# torch: raises "a leaf Variable that requires grad is being used in an in-place operation"

# The page lists a common error: a hand-written gradient-descent loop over
# model.parameters() that does `p -= lr * p.grad` without `torch.no_grad()`. Every p is a
# Parameter (a leaf that requires grad), so the in-place update raises. The training loop is
# the page's "manual gradient descent" recipe with the no_grad block removed, as the page
# describes; model and data are small stand-ins.
import torch
import torch.nn as nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
criterion = nn.MSELoss()
lr = 0.01
data = [(torch.randn(8, 3), torch.randn(8, 1)) for _ in range(2)]

for x, y in data:
    pred = model(x)
    loss = criterion(pred, y)
    loss.backward()
    for p in model.parameters():
        p -= lr * p.grad  # error: IPL001
        p.grad.zero_()
