# case: trainable-embedding-renormed-in-place-in-forward
# source: inplace-lint issue #13 (the bug beside frozen-embedding-renormed-in-place-in-forward: the embedding is trained)
# expect: markers
# torch: raises "a leaf Variable that requires grad is being used in an in-place operation"
import torch
from torch import nn


class Embed(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(10, 4)
        self.proj = nn.Linear(4, 2)

    def forward(self, idx):
        self.emb.weight.mul_(0.99)  # error: IPL001
        return self.proj(self.emb(idx))


model = Embed()
model(torch.tensor([1, 2, 3])).sum().backward()
