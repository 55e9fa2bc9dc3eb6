# case: embedding-max-norm-lookup-before-weight-saved
# source: inplace-lint (the look-alike of embedding-max-norm-lookup-after-weight-saved)
# expect: clean
# torch: clean
# check: m.emb.weight.grad is not None and m.proj.weight.grad is not None

# The rows are looked up first (the renormalisation happens before anything saved the weight), and a second table
# without `max_norm` is used the other way round.
import torch
import torch.nn as nn


class Scorer(nn.Module):
    def __init__(self, n=5, d=4):
        super().__init__()
        self.emb = nn.Embedding(n, d, max_norm=1.0)
        self.plain = nn.Embedding(n, d)
        self.proj = nn.Linear(d, d)

    def forward(self, idx):
        rows = self.emb(idx)
        table = self.proj(self.emb.weight)
        other = self.proj(self.plain.weight)
        more = self.plain(idx)
        return (rows @ table.t()).sum() + (more @ other.t()).sum()


torch.manual_seed(0)
m = Scorer()
m(torch.tensor([1, 2])).backward()
