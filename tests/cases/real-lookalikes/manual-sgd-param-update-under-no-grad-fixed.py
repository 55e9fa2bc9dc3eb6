# case: manual-sgd-param-update-under-no-grad-fixed
# source: https://hao-yiwen.github.io/yiwen-blog-website/en/docs/ai/frameworks/pytorch/common-errors
# expect: clean
# torch: clean
# check: all(torch.allclose(a, b, atol=1e-6) for a, b in zip(model.parameters(), ref.parameters()))

# Look-alike of manual-sgd-param-update-without-no-grad: the page's recommended loop, the
# in-place update runs under `torch.no_grad()`. The parameters end up equal to those of an
# identical model trained with torch.optim.SGD.
import copy

import torch
import torch.nn as nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
ref = copy.deepcopy(model)
criterion = nn.MSELoss()
lr = 0.01
data = [(torch.randn(8, 3), torch.randn(8, 1)) for _ in range(2)]

for x, y in data:
    pred = model(x)
    loss = criterion(pred, y)
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= lr * p.grad
            p.grad.zero_()

opt = torch.optim.SGD(ref.parameters(), lr=lr)
for x, y in data:
    opt.zero_grad()
    criterion(ref(x), y).backward()
    opt.step()
