# case: lang2logic-encoder-outputs-written-into-leaf-buffer
# source: https://github.com/Alex-Fabbri/lang2logic-PyTorch/issues/1
# expect: markers
# torch: raises "a view of a leaf Variable that requires grad is being used in an in-place operation"

# seq2seq/geoqueries/attention/main.py, eval_training (the lines quoted in the issue): the encoder outputs are
# collected by writing each step's hidden state into `enc_outputs`, created with torch.zeros(..., requires_grad=True),
# and the decoder's initial states are copied row by row into `dec_s[0][1]` / `dec_s[0][2]`, also zeros created with
# requires_grad=True and kept in a dict of dicts. The issue reports the error on these lines (old torch called it
# "leaf variable has been moved into the graph interior"); the commenter's fix clones each of these leaves first.
# Kept: the LSTM cell, RNN and AttnUnit modules and eval_training as written (CPU path). Reduced: a random batch
# object stands in for util.MinibatchLoader, tiny sizes, no dropout, NLLLoss's size_average=False written as
# reduction="sum".
from types import SimpleNamespace

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import optim


class LSTM(nn.Module):
    def __init__(self, opt):
        super(LSTM, self).__init__()
        self.opt = opt
        self.i2h = nn.Linear(opt.rnn_size, 4 * opt.rnn_size)
        self.h2h = nn.Linear(opt.rnn_size, 4 * opt.rnn_size)

    def forward(self, x, prev_c, prev_h):
        gates = self.i2h(x) \
            + self.h2h(prev_h)
        ingate, forgetgate, cellgate, outgate = gates.chunk(4, 1)
        ingate = F.sigmoid(ingate)
        forgetgate = F.sigmoid(forgetgate)
        cellgate = F.tanh(cellgate)
        outgate = F.sigmoid(outgate)
        cy = (forgetgate * prev_c) + (ingate * cellgate)
        hy = outgate * F.tanh(cy)
        return cy, hy


class RNN(nn.Module):
    def __init__(self, opt, input_size):
        super(RNN, self).__init__()
        self.opt = opt
        self.hidden_size = opt.rnn_size
        self.embedding = nn.Embedding(input_size, self.hidden_size)
        self.lstm = LSTM(self.opt)

    def forward(self, input_src, prev_c, prev_h):
        src_emb = self.embedding(input_src)
        prev_cy, prev_hy = self.lstm(src_emb, prev_c, prev_h)
        return prev_cy, prev_hy


class AttnUnit(nn.Module):
    def __init__(self, opt, output_size):
        super(AttnUnit, self).__init__()
        self.opt = opt
        self.hidden_size = opt.rnn_size
        self.linear_att = nn.Linear(2 * self.hidden_size, self.hidden_size)
        self.linear_out = nn.Linear(self.hidden_size, output_size)
        self.softmax = nn.Softmax(dim=1)
        self.logsoftmax = nn.LogSoftmax(dim=1)

    def forward(self, enc_s_top, dec_s_top):
        dot = torch.bmm(enc_s_top, dec_s_top.unsqueeze(2))
        attention = self.softmax(dot.squeeze(2)).unsqueeze(2)
        enc_attention = torch.bmm(enc_s_top.permute(0, 2, 1), attention)
        hid = F.tanh(self.linear_att(torch.cat((enc_attention.squeeze(2), dec_s_top), 1)))
        h2y = self.linear_out(hid)
        pred = self.logsoftmax(h2y)
        return pred


class RandomBatches:
    def __init__(self, opt, enc_vocab, dec_vocab):
        self.enc_batch = torch.randint(1, enc_vocab, (opt.batch_size, 5))
        self.enc_len_batch = [5, 3, 4]
        self.dec_batch = torch.randint(1, dec_vocab, (opt.batch_size, 4))

    def random_batch(self):
        return self.enc_batch, self.enc_len_batch, self.dec_batch


def eval_training(opt, train_loader, encoder, decoder, attention_decoder, encoder_optimizer, decoder_optimizer,
                  attention_decoder_optimizer, criterion, using_gpu, form_manager):
    # encode, decode, backward, return loss
    encoder_optimizer.zero_grad()
    decoder_optimizer.zero_grad()
    attention_decoder_optimizer.zero_grad()
    enc_batch, enc_len_batch, dec_batch = train_loader.random_batch()
    # do not predict after <E>
    enc_max_len = enc_batch.size(1)
    # because you need to compare with the next token!!
    dec_max_len = dec_batch.size(1) - 1

    enc_outputs = torch.zeros((enc_batch.size(0), enc_max_len, encoder.hidden_size), requires_grad=True)
    if using_gpu:
        enc_outputs = enc_outputs.cuda()

    enc_s = {}
    for j in range(opt.enc_seq_length + 1):
        enc_s[j] = {}

    dec_s = {}
    for j in range(opt.dec_seq_length + 1):
        dec_s[j] = {}

    for i in range(1, 3):
        enc_s[0][i] = torch.zeros((opt.batch_size, opt.rnn_size), dtype=torch.float, requires_grad=True)
        dec_s[0][i] = torch.zeros((opt.batch_size, opt.rnn_size), dtype=torch.float, requires_grad=True)
        if using_gpu:
            enc_s[0][i] = enc_s[0][i].cuda()
            dec_s[0][i] = dec_s[0][i].cuda()

    for i in range(enc_max_len):
        enc_s[i + 1][1], enc_s[i + 1][2] = encoder(enc_batch[:, i], enc_s[i][1], enc_s[i][2])
        enc_outputs[:, i, :] = enc_s[i + 1][2]  # error: IPL002

    loss = 0

    for i in range(opt.batch_size):
        dec_s[0][1][i, :] = enc_s[enc_len_batch[i]][1][i, :]  # error: IPL002
        dec_s[0][2][i, :] = enc_s[enc_len_batch[i]][2][i, :]  # error: IPL002

    for i in range(dec_max_len):
        dec_s[i + 1][1], dec_s[i + 1][2] = decoder(dec_batch[:, i], dec_s[i][1], dec_s[i][2])
        pred = attention_decoder(enc_outputs, dec_s[i + 1][2])
        loss += criterion(pred, dec_batch[:, i + 1])

    loss = loss / opt.batch_size
    loss.backward()
    torch.nn.utils.clip_grad_value_(encoder.parameters(), opt.grad_clip)
    torch.nn.utils.clip_grad_value_(decoder.parameters(), opt.grad_clip)
    torch.nn.utils.clip_grad_value_(attention_decoder.parameters(), opt.grad_clip)
    encoder_optimizer.step()
    decoder_optimizer.step()
    attention_decoder_optimizer.step()
    return loss


torch.manual_seed(123)
opt = SimpleNamespace(rnn_size=8, enc_seq_length=6, dec_seq_length=6, batch_size=3, grad_clip=5,
                      learning_rate=0.01, decay_rate=0.95, init_weight=0.08)
enc_vocab, dec_vocab = 12, 10
encoder = RNN(opt, enc_vocab)
decoder = RNN(opt, dec_vocab)
attention_decoder = AttnUnit(opt, dec_vocab)
for module in (encoder, decoder, attention_decoder):
    for name, param in module.named_parameters():
        if param.requires_grad:
            nn.init.uniform_(param, -opt.init_weight, opt.init_weight)
train_loader = RandomBatches(opt, enc_vocab, dec_vocab)
encoder_optimizer = optim.RMSprop(encoder.parameters(), lr=opt.learning_rate, alpha=opt.decay_rate)
decoder_optimizer = optim.RMSprop(decoder.parameters(), lr=opt.learning_rate, alpha=opt.decay_rate)
attention_decoder_optimizer = optim.RMSprop(attention_decoder.parameters(), lr=opt.learning_rate, alpha=opt.decay_rate)
criterion = nn.NLLLoss(reduction="sum", ignore_index=0)
train_loss = eval_training(opt, train_loader, encoder, decoder, attention_decoder, encoder_optimizer,
                           decoder_optimizer, attention_decoder_optimizer, criterion, False, None)
