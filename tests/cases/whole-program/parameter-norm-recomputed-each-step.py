# case: parameter-norm-recomputed-each-step
# source: inplace-lint issue #13 (look-alike: the penalty on the parameters is computed again in every step)
# expect: clean
# torch: clean
# check: all(p.grad is not None for p in model.parameters())
import torch
from torch import nn


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(10, 4)
        self.out = nn.Linear(4, 1)

    def penalty(self):
        total = torch.zeros(())
        for w in self.emb.parameters():
            total = total + torch.norm(w)
        return total

    def forward(self, ids):
        return self.out(self.emb(ids)).mean()


model = Model()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for step in range(2):
    loss = model(torch.randint(0, 10, (5,))) + 1e-3 * model.penalty()
    opt.zero_grad()
    loss.backward()
    opt.step()
