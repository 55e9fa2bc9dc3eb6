# case: frozen-by-name-base-weight-initialised-in-place
# source: inplace-lint issue #13 (the look-alike of lora-adapter-left-trainable-by-name-then-initialised-in-place: the weight written in place is one the name filter froze, a leaf that does not require grad, so torch allows the write)
# expect: clean
# torch: clean
# check: model.attn.lora_B.weight.grad is not None and model.attn.q_proj.weight.grad is None
import torch
from torch import nn


class Attention(nn.Module):
    def __init__(self, dim, rank=2):
        super().__init__()
        self.q_proj = nn.Linear(dim, dim)
        self.lora_A = nn.Linear(dim, rank, bias=False)
        self.lora_B = nn.Linear(rank, dim, bias=False)

    def forward(self, x):
        return self.q_proj(x) + self.lora_B(self.lora_A(x))


class Model(nn.Module):
    def __init__(self, vocab=16, dim=8):
        super().__init__()
        self.embed_tokens = nn.Embedding(vocab, dim)
        self.attn = Attention(dim)
        self.lm_head = nn.Linear(dim, vocab, bias=False)

    def forward(self, ids):
        return self.lm_head(self.attn(self.embed_tokens(ids)))


model = Model()
for name, p in model.named_parameters():
    p.requires_grad_("lora_" in name)
model.attn.q_proj.weight.mul_(0.5)
loss = model(torch.randint(0, 16, (2, 5))).logsumexp(-1).mean()
loss.backward()
