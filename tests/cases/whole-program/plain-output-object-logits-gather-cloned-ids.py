# case: plain-output-object-logits-gather-cloned-ids
# source: inplace-lint issue #13 (look-alike: the ids sampled under inference_mode are cloned before the training forward gathers with them)
# expect: clean
# torch: clean
# check: model.head.weight.grad is not None
import torch
from torch import nn


class Output:
    def __init__(self, logits):
        self.logits = logits


class LM(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(10, 4)
        self.head = nn.Linear(4, 10)

    def forward(self, ids):
        return Output(self.head(self.emb(ids).detach()))

    @torch.inference_mode()
    def sample(self, ids):
        return torch.cat([ids, self.forward(ids).logits.argmax(-1)[:, -1:]], dim=1)


model = LM()
ids = model.sample(torch.randint(0, 10, (2, 3))).clone()
out = model(ids)
logp = out.logits.log_softmax(-1).gather(2, ids.unsqueeze(-1))
logp.sum().backward()
