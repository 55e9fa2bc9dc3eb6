# case: lstm-final-state-written-in-place
# source: inplace-lint issue #13 (the look-alike: the final hidden state h_n is not saved by the LSTM; writing it is fine)
# expect: clean
# torch: clean
# check: lstm.weight_ih_l0.grad is not None
import torch
import torch.nn as nn

lstm = nn.LSTM(3, 4, batch_first=True)
out, (h, c) = lstm(torch.randn(2, 5, 3))
h += 1
(out.sum() + h.sum()).backward()
