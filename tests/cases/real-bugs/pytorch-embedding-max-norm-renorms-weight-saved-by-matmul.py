# case: pytorch-embedding-max-norm-renorms-weight-saved-by-matmul
# source: https://github.com/pytorch/pytorch/issues/26596
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# The issue (reported from a knowledge-graph environment): an nn.Embedding built with max_norm scores a batch of ids
# against all rows of its own weight. The first product, `embedding.weight @ W.t()`, saves the weight for W's
# gradient; the lookup `embedding(idx)` then renormalises the looked-up rows of that weight in place (F.embedding runs
# torch.embedding_renorm_ under no_grad when max_norm is set), so backward finds the saved weight at a newer version.
# Swapping the two lines makes it run. The script as given (its "Line a"/"Line b" comments moved here, a seed
# added); the fix documented for it in nn.Embedding (PR #45595) is the look-alike.
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

a = embedding.weight @ W.t()
b = embedding(idx) @ W.t()  # error: IPL003

out = (a.unsqueeze(0) + b.unsqueeze(1))
loss = out.sigmoid().prod()
loss.backward()
optimizer.step()
