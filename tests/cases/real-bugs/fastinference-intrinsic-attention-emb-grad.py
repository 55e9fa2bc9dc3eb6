# case: fastinference-intrinsic-attention-emb-grad
# source: https://github.com/muellerzr/fastinference/pull/44
# expect: markers
# torch: raises "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed"

# fastinference's `intrinsic_attention` (a port of fastai's TextClassificationInterpretation)
# takes the embedding output `emb = model[0].module.encoder(ids)`, runs the rest of the
# AWD-LSTM classifier from those embeddings, back-propagates one class score and reads
# `emb.grad`.  Unlike fastai1 it does not `.detach().requires_grad_()` the embeddings, so
# `emb` is a non-leaf (the encoder weight requires grad) and its `.grad` is never filled
# (issue #31: the attention is identical for every class).  PR #44: "adding
# emb.retain_grad() was required to get the gradients for the embedding layer".
# Kept: the learner method shape (train mode, zero_grad, reset, encoder -> module(...,
# from_embeddings=True) -> classifier head -> softmax -> backward of one class ->
# `emb.grad.squeeze().abs().sum(dim=-1)` normalised by its max).
# Completed: a tiny AWD_LSTM-like encoder (embedding + LSTM, `from_embeddings` flag,
# `reset`), a pooling head, numericalised ids instead of text.  With
# `-W error::UserWarning` the non-leaf `.grad` access raises.
# Marker (moved to the rule's convention): IPL005 is reported on the binding of the name whose .grad is read.
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
        emb = self.model[0].module.encoder(ids)  # error: IPL005
        lstm_output = self.model[0].module(emb, from_embeddings=True)
        self.model[0].reset()
        cl = self.model[1](lstm_output).softmax(dim=-1)
        if class_id is None:
            class_id = cl.argmax()
        cl[0][class_id].backward()
        attn = emb.grad.squeeze().abs().sum(dim=-1)
        attn /= attn.max()
        return ids[0], attn


model = nn.Sequential(SentenceEncoder(AWD_LSTM()), PoolingLinearClassifier())
learn = TextLearner(model)
ids = torch.randint(0, 30, (1, 7))
tokens, attn = learn.intrinsic_attention(ids, class_id=2)
