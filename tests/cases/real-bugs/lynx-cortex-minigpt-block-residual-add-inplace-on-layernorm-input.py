# case: lynx-cortex-minigpt-block-residual-add-inplace-on-layernorm-input
# source: https://lynx-cortex.pages.dev/phase-25-pytorch-internals/break/00-break-in-place-op-autograd/
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# A course page ("Break -- in-place op on a tensor that requires grad") on a mini-GPT: in
# src/minigpt/block.py the attention residual `h = h + self.attn(self.ln1(h))` is replaced by
# `h.add_(self.attn(self.ln1(h)))`, and `loss.backward()` fails with "one of the variables needed
# for gradient computation has been modified by an inplace operation". Completed: the page shows
# only that line; the rest of the mini-GPT (a pre-norm Block with ln1/attn/ln2/mlp, a small causal
# self-attention, token + position embeddings, blocks in an nn.Sequential, cross-entropy) is the
# usual nanoGPT-style layout, tiny sizes. The block's input `h` reaches the write as the forward
# parameter; LayerNorm `ln1` saved it for its backward.

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)

vocab_size, n_embd, block_size, n_layer = 11, 8, 4, 2


class CausalSelfAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.qkv = nn.Linear(n_embd, 3 * n_embd)
        self.proj = nn.Linear(n_embd, n_embd)
        self.register_buffer("mask", torch.tril(torch.ones(block_size, block_size)))

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.qkv(x).split(n_embd, dim=2)
        att = (q @ k.transpose(-2, -1)) / C ** 0.5
        att = att.masked_fill(self.mask[:T, :T] == 0, float("-inf"))
        att = F.softmax(att, dim=-1)
        return self.proj(att @ v)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1 = nn.LayerNorm(n_embd)
        self.attn = CausalSelfAttention()
        self.ln2 = nn.LayerNorm(n_embd)
        self.mlp = nn.Sequential(nn.Linear(n_embd, 4 * n_embd), nn.GELU(), nn.Linear(4 * n_embd, n_embd))

    def forward(self, h):
        h.add_(self.attn(self.ln1(h)))  # error: IPL003
        h = h + self.mlp(self.ln2(h))
        return h


class MiniGPT(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok_emb = nn.Embedding(vocab_size, n_embd)
        self.pos_emb = nn.Embedding(block_size, n_embd)
        self.blocks = nn.Sequential(*[Block() for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(n_embd)
        self.head = nn.Linear(n_embd, vocab_size)

    def forward(self, idx, targets):
        B, T = idx.shape
        h = self.tok_emb(idx) + self.pos_emb(torch.arange(T))
        h = self.blocks(h)
        logits = self.head(self.ln_f(h))
        loss = F.cross_entropy(logits.view(B * T, -1), targets.view(B * T))
        return logits, loss


model = MiniGPT()
idx = torch.randint(vocab_size, (2, block_size))
targets = torch.randint(vocab_size, (2, block_size))
logits, loss = model(idx, targets)
loss.backward()
