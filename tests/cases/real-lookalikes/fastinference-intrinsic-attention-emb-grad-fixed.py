# case: fastinference-intrinsic-attention-emb-grad-fixed
# source: https://github.com/muellerzr/fastinference/pull/44
# expect: clean
# torch: clean
# check: attn.shape == (7,) and bool(torch.isfinite(attn).all()) and float(attn.max()) == 1.0 and not torch.allclose(attn, attn2)

# PR #44's fix: call `emb.retain_grad()` before the backward so the non-leaf embedding
# output keeps its gradient; the attention now differs between classes.
import torch
import torch.nn as nn


class AWD_LSTM(nn.Module):
    def __init__(self, vocab_sz=30, emb_sz=6, n_hid=8):
        super().__init__()
        self.encoder = nn.Embedding(vocab_sz, emb_sz)
        self.rnn = nn.LSTM(emb_sz, n_hid, batch_first=True)

    def reset(self):
        pass

    def forward(self, inp, from_embeddings=False):
        x = inp if from_embeddings else self.encoder(inp)
        out, _ = self.rnn(x)
        return out


class SentenceEncoder(nn.Module):
    def __init__(self, module):
        super().__init__()
        self.module = module

    def reset(self):
        self.module.reset()

    def forward(self, ids):
        return self.module(ids)


class PoolingLinearClassifier(nn.Module):
    def __init__(self, n_hid=8, n_out=3):
        super().__init__()
        self.lin = nn.Linear(2 * n_hid, n_out)

    def forward(self, out):
        pooled = torch.cat([out[:, -1], out.max(dim=1)[0]], dim=-1)
        return self.lin(pooled)


class TextLearner:
    def __init__(self, model):
        self.model = model

    def intrinsic_attention(self, ids, class_id=None):
        self.model.train()
        self.model.zero_grad()
        self.model[0].reset()
        emb = self.model[0].module.encoder(ids)
        emb.retain_grad()
        lstm_output = self.model[0].module(emb, from_embeddings=True)
        self.model[0].reset()
        cl = self.model[1](lstm_output).softmax(dim=-1)
        if class_id is None:
            class_id = cl.argmax()
        cl[0][class_id].backward()
        attn = emb.grad.squeeze().abs().sum(dim=-1)
        attn /= attn.max()
        return ids[0], attn


torch.manual_seed(0)
model = nn.Sequential(SentenceEncoder(AWD_LSTM()), PoolingLinearClassifier())
learn = TextLearner(model)
ids = torch.randint(0, 30, (1, 7))
tokens, attn = learn.intrinsic_attention(ids, class_id=2)
_, attn2 = learn.intrinsic_attention(ids, class_id=0)
