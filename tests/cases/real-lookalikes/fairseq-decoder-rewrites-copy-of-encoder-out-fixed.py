# case: fairseq-decoder-rewrites-copy-of-encoder-out-fixed
# source: https://github.com/facebookresearch/fairseq/issues/251
# expect: clean
# torch: clean
# check: torch.allclose(model.decoder.gate.grad, ref_gate_grad) and torch.allclose(model.encoder.fc.weight.grad, ref_fc_grad)

# Look-alike of fairseq-decoder-rewrites-encoder-out-slice-in-place: the answer's fix, "copy the
# variable and modify it". The decoder clones encoder_out[0] once and writes the gated channels
# into the copy, reading each slice from the original; the multiplication's saved slice is never
# overwritten. Gradients are compared with an out-of-place version (torch.stack of the channels).
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
        self.reference = False

    def do_something(self, t, j):
        return t * self.gate[j]

    def forward(self, prev_tokens, encoder_out):
        enc = encoder_out["encoder_out"]
        if self.reference:
            cols = [self.do_something(enc[0][:, :, j], j) if j in self.channels else enc[0][:, :, j]
                    for j in range(enc[0].shape[-1])]
            key = torch.stack(cols, dim=-1)
        else:
            key = enc[0].clone()
            for j in self.channels:
                key[:, :, j] = self.do_something(enc[0][:, :, j], j)
        x = self.embed(prev_tokens)
        attn = torch.softmax(torch.bmm(x, key.transpose(1, 2)), dim=-1)
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

model.decoder.reference = True
F.cross_entropy(model(src, prev).reshape(-1, 11), tgt.reshape(-1)).backward()
ref_gate_grad = model.decoder.gate.grad.clone()
ref_fc_grad = model.encoder.fc.weight.grad.clone()
model.zero_grad()

model.decoder.reference = False
logits = model(src, prev)
loss = F.cross_entropy(logits.reshape(-1, 11), tgt.reshape(-1))
loss.backward()
