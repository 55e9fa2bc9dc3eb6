# case: fairseq-decoder-rewrites-encoder-out-slice-in-place
# source: https://github.com/facebookresearch/fairseq/issues/251
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# The user changes the encoder output inside the decoder with
# `encoder_out[0][:,:,j] = do_something(encoder_out[0][:,:,j])` and training fails in backward;
# the answer: "You can't modify it in place like this ... You should copy the variable and modify
# it. encoder_out does participate in gradient calculation."
# Kept: an fconv-style encoder returning {'encoder_out': (x, y)}, the model passing that dict to
# the decoder, and the decoder rewriting channel slices of encoder_out[0] in place, each from the
# same slice, before attending over it. Completed: do_something is a learned per-channel gate
# (`slice * self.gate[j]`: the multiplication saves the slice it reads, which the assignment
# then overwrites), a dot-product attention, toy sizes, a cross-entropy loss on random tokens.
import torch
import torch.nn as nn
import torch.nn.functional as F


class Encoder(nn.Module):
    def __init__(self, vocab=11, d=6):
        super().__init__()
        self.embed = nn.Embedding(vocab, d)
        self.fc = nn.Linear(d, d)

    def forward(self, src_tokens):
        e = self.embed(src_tokens)
        x = self.fc(e)
        y = (x + e) * 0.5 ** 0.5
        return {"encoder_out": (x, y)}


class Decoder(nn.Module):
    def __init__(self, vocab=11, d=6, channels=(0, 2, 4)):
        super().__init__()
        self.embed = nn.Embedding(vocab, d)
        self.gate = nn.Parameter(torch.rand(d))
        self.channels = channels
        self.out = nn.Linear(d, vocab)

    def do_something(self, t, j):
        return t * self.gate[j]

    def forward(self, prev_tokens, encoder_out):
        enc = encoder_out["encoder_out"]
        for j in self.channels:
            enc[0][:, :, j] = self.do_something(enc[0][:, :, j], j)  # error: IPL003
        x = self.embed(prev_tokens)
        attn = torch.softmax(torch.bmm(x, enc[0].transpose(1, 2)), dim=-1)
        ctx = torch.bmm(attn, enc[1])
        return self.out(x + ctx)


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = Encoder()
        self.decoder = Decoder()

    def forward(self, src_tokens, prev_tokens):
        return self.decoder(prev_tokens, self.encoder(src_tokens))


torch.manual_seed(0)
model = Model()
src, prev, tgt = torch.randint(0, 11, (2, 5)), torch.randint(0, 11, (2, 4)), torch.randint(0, 11, (2, 4))
logits = model(src, prev)
loss = F.cross_entropy(logits.reshape(-1, 11), tgt.reshape(-1))
loss.backward()
