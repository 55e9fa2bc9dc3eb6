# case: plain-output-object-logits-saved-inference-ids
# source: inplace-lint issue #13 (token ids sampled under inference_mode, then gathered from the logits of a training forward returned in a plain output object)
# expect: markers
# torch: raises "Inference tensors cannot be saved for backward"
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
ids = model.sample(torch.randint(0, 10, (2, 3)))
out = model(ids.clone())
logp = out.logits.log_softmax(-1).gather(2, ids.unsqueeze(-1))  # error: IPL011
logp.sum().backward()
