# case: frozen-by-name-recurrent-encoder-weight-written
# source: inplace-lint issue #13 (freeze by name over a model with an LSTM, whose parameters (`weight_ih_l0`, ...) are named by torch; the look-alike of frozen-unless-name-starts-with-head-then-head-bias-written: the write goes to a frozen LSTM weight, which torch allows)
# expect: clean
# torch: clean
# check: model.head.weight.grad is not None and model.rnn.weight_ih_l0.grad is None
import torch
from torch import nn


class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.LSTM(4, 6, batch_first=True)
        self.head = nn.Linear(6, 3)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.head(out)


model = Tagger()
for name, param in model.named_parameters():
    if not name.startswith("head."):
        param.requires_grad = False
model.rnn.weight_ih_l0.mul_(0.5)
model(torch.randn(2, 5, 4)).sum().backward()
