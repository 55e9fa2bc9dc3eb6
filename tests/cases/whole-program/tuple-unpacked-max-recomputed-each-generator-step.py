# case: tuple-unpacked-max-recomputed-each-generator-step
# expect: clean
# torch: clean
# check: all(p.grad is not None for p in G.parameters())

# AdvGAN's generator loop (the fix of its issue: everything recomputed per step): each pass makes a new
# perturbation, takes `best, _ = torch.max(scores, dim=1)` of it, backpropagates and steps. The values that
# tuple-unpacking assignment binds are new tensors on every pass, not the ones the last step made stale.
import torch
import torch.nn as nn

G = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 4))
opt = torch.optim.Adam(G.parameters(), lr=1e-3)
x = torch.randn(3, 4)
for step in range(2):
    opt.zero_grad()
    scores = torch.softmax(G(x), dim=1)
    best, _ = torch.max(scores, dim=1)
    loss = best.sum()
    loss.backward(retain_graph=True)
    opt.step()
