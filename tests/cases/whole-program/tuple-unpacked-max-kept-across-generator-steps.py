# case: tuple-unpacked-max-kept-across-generator-steps
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# The generator loop of tuple-unpacked-max-recomputed-each-generator-step with the max taken once, before the loop:
# every pass backpropagates the same graph again (kept by `retain_graph=True`), which the first step made stale.
import torch
import torch.nn as nn

G = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 4))
opt = torch.optim.Adam(G.parameters(), lr=1e-3)
x = torch.randn(3, 4)
scores = torch.softmax(G(x), dim=1)
best, _ = torch.max(scores, dim=1)
for step in range(2):
    opt.zero_grad()
    loss = best.sum()
    loss.backward(retain_graph=True)
    opt.step()  # error: IPL003
