# case: pytorch-embedding-max-norm-weight-cloned-before-matmul
# source: https://github.com/pytorch/pytorch/issues/26596
# expect: clean
# torch: clean
# check: torch.isfinite(embedding.weight.grad).all().item() and torch.isfinite(W.grad).all().item() and W.grad.abs().sum().item() > 0

# The fix the issue led to (documented in nn.Embedding by PR #45595): the weight is cloned before it is used in a
# differentiable product with the full table, so the in-place renormalisation done by the max_norm lookup that follows
# rewrites the parameter, not the tensor the matmul saved. Otherwise the script (seeded).
import torch
import torch.nn as nn

torch.manual_seed(0)
n, d, m = 3, 5, 7
batch_size = 11

embedding = nn.Embedding(n, d, max_norm=True)
W = torch.randn((m, d), requires_grad=True)
optimizer = torch.optim.Adam(list(embedding.parameters()) + [W], lr=1e-3)

optimizer.zero_grad()
idx = torch.tensor([1, 2])

a = embedding.weight.clone() @ W.t()  # weight must be cloned for this to be differentiable
b = embedding(idx) @ W.t()  # modifies weight in-place

out = (a.unsqueeze(0) + b.unsqueeze(1))
loss = out.sigmoid().prod()
loss.backward()
optimizer.step()
