# case: frozen-embedding-renormed-in-place-in-forward
# source: inplace-lint issue #13 (a parameter frozen in __init__: `requires_grad = False` on `self.emb.weight`; writing it in place in forward is fine)
# expect: clean
# torch: clean
# check: model.proj.weight.grad is not None and model.emb.weight.grad is None
import torch
from torch import nn


class FrozenEmbed(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(10, 4)
        self.emb.weight.requires_grad = False
        self.proj = nn.Linear(4, 2)

    def forward(self, idx):
        self.emb.weight.mul_(0.99)
        return self.proj(self.emb(idx))


model = FrozenEmbed()
model(torch.tensor([1, 2, 3])).sum().backward()
