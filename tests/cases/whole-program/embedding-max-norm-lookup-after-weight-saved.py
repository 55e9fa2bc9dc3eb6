# case: embedding-max-norm-lookup-after-weight-saved
# source: inplace-lint (the shape of https://github.com/pytorch/pytorch/issues/26596, as a model)
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# An `nn.Embedding` built with `max_norm` renormalises the rows it looks up, in place: the scores against the whole
# table saved the weight first, so backward finds it changed.
import torch
import torch.nn as nn


class Scorer(nn.Module):
    def __init__(self, n=5, d=4):
        super().__init__()
        self.emb = nn.Embedding(n, d, max_norm=1.0)
        self.proj = nn.Linear(d, d)

    def forward(self, idx):
        table = self.proj(self.emb.weight)
        rows = self.emb(idx)  # error: IPL003
        return (rows @ table.t()).sum()


torch.manual_seed(0)
Scorer()(torch.tensor([1, 2])).backward()
