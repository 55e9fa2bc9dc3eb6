# case: bidaf-lstm-reset-params-fills-bias-chunk
# source: https://github.com/galsang/BiDAF-pytorch/issues/30
# expect: markers
# torch: raises "This view is the output of a function that returns multiple views"

# utils/nn.py: the LSTM wrapper calls self.reset_params() from __init__, which sets the forget-gate bias with
# getattr(self.rnn, f'bias_hh_l{i}').chunk(4)[1].fill_(1) outside torch.no_grad(); the chunk of the parameter is one
# of several views and the fill_ raises while the model is built (the traceback). The wrapper is kept as in
# the file; a small classifier over its final hidden state and one training step follow (never reached).
# Marked also: the same write for the reverse direction (line 40), which raises as well when the LSTM is
# bidirectional (context_LSTM is); torch stops at the first.
import torch
import torch.nn as nn
import torch.nn.functional as F


class LSTM(nn.Module):
    def __init__(self, input_size, hidden_size, batch_first=False, num_layers=1, bidirectional=False, dropout=0.2):
        super(LSTM, self).__init__()

        self.rnn = nn.LSTM(input_size=input_size,
                           hidden_size=hidden_size,
                           num_layers=num_layers,
                           bidirectional=bidirectional,
                           batch_first=batch_first)
        self.reset_params()
        self.dropout = nn.Dropout(p=dropout)

    def reset_params(self):
        for i in range(self.rnn.num_layers):
            nn.init.orthogonal_(getattr(self.rnn, f'weight_hh_l{i}'))
            nn.init.kaiming_normal_(getattr(self.rnn, f'weight_ih_l{i}'))
            nn.init.constant_(getattr(self.rnn, f'bias_hh_l{i}'), val=0)
            nn.init.constant_(getattr(self.rnn, f'bias_ih_l{i}'), val=0)
            getattr(self.rnn, f'bias_hh_l{i}').chunk(4)[1].fill_(1)  # error: IPL009

            if self.rnn.bidirectional:
                nn.init.orthogonal_(getattr(self.rnn, f'weight_hh_l{i}_reverse'))
                nn.init.kaiming_normal_(getattr(self.rnn, f'weight_ih_l{i}_reverse'))
                nn.init.constant_(getattr(self.rnn, f'bias_hh_l{i}_reverse'), val=0)
                nn.init.constant_(getattr(self.rnn, f'bias_ih_l{i}_reverse'), val=0)
                getattr(self.rnn, f'bias_hh_l{i}_reverse').chunk(4)[1].fill_(1)  # error: IPL009

    def forward(self, x):
        x, x_len = x
        x = self.dropout(x)

        x_len_sorted, x_idx = torch.sort(x_len, descending=True)
        x_sorted = x.index_select(dim=0, index=x_idx)
        _, x_ori_idx = torch.sort(x_idx)

        x_packed = nn.utils.rnn.pack_padded_sequence(x_sorted, x_len_sorted, batch_first=True)
        x_packed, (h, c) = self.rnn(x_packed)

        x = nn.utils.rnn.pad_packed_sequence(x_packed, batch_first=True)[0]
        x = x.index_select(dim=0, index=x_ori_idx)
        h = h.permute(1, 0, 2).contiguous().view(-1, h.size(0) * h.size(2)).squeeze()
        h = h.index_select(dim=0, index=x_ori_idx)

        return x, h


class Classifier(nn.Module):
    def __init__(self, emb_dim=6, hidden=5, n_classes=3):
        super(Classifier, self).__init__()
        self.context_LSTM = LSTM(input_size=emb_dim, hidden_size=hidden, bidirectional=True, batch_first=True)
        self.out = nn.Linear(2 * hidden, n_classes)

    def forward(self, x, x_len):
        _, h = self.context_LSTM((x, x_len))
        return self.out(h)


torch.manual_seed(0)
model = Classifier()
optimizer = torch.optim.Adadelta(model.parameters(), lr=0.5)
x, x_len = torch.randn(4, 7, 6), torch.tensor([7, 5, 6, 3])
labels = torch.tensor([0, 2, 1, 1])
optimizer.zero_grad()
loss = F.cross_entropy(model(x, x_len), labels)
loss.backward()
optimizer.step()
