# case: module-output-view-trained-in-a-loop
# source: inplace-lint issue #13
# expect: clean
# torch: clean
# check: float(((model(x).view(-1) - y) ** 2).mean().detach()) < start

# The usual loop with the model's output flattened by `.view(-1)`: every backward runs before the step that
# updates the weights its graph saved, and each iteration builds a new graph (and a new view) after the step.
import torch
import torch.nn as nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
x = torch.randn(16, 4)
y = torch.randn(16)
with torch.no_grad():
    start = float(((model(x).view(-1) - y) ** 2).mean())
for _ in range(3):
    out = model(x).view(-1)
    loss = ((out - y) ** 2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
