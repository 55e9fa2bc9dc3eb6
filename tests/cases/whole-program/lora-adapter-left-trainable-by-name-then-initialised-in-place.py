# case: lora-adapter-left-trainable-by-name-then-initialised-in-place
# source: inplace-lint issue #13 (the freeze-by-name idiom of LoRA fine-tuning, as in https://github.com/OpenBMB/MiniCPM-V/issues/730: `for name, p in model.named_parameters(): p.requires_grad_("lora_" in name)`; an adapter weight left trainable is then re-initialised in place outside `torch.no_grad()`)
# expect: markers
# torch: raises "a leaf Variable that requires grad is being used in an in-place operation"
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
model.attn.lora_B.weight.zero_()  # error: IPL001
loss = model(torch.randint(0, 16, (2, 5))).logsumexp(-1).mean()
loss.backward()
