# case: parameter-norm-kept-across-optimizer-step
# source: inplace-lint issue #13 (a penalty on the parameters computed once, before the training loop)
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"
import torch
from torch import nn


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(10, 4)
        self.out = nn.Linear(4, 1)
        self.penalty = torch.zeros(())
        for w in self.emb.parameters():
            self.penalty = self.penalty + torch.norm(w)

    def forward(self, ids):
        return self.out(self.emb(ids)).mean()


model = Model()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for step in range(2):
    loss = model(torch.randint(0, 10, (5,))) + 1e-3 * model.penalty
    opt.zero_grad()
    loss.backward(retain_graph=True)
    opt.step()  # error: IPL003
