# case: lstm-output-written-in-place
# source: inplace-lint issue #13 (nn.LSTM saves its output for backward, as the op table's probe records; the tuple it returns is unpacked)
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"
import torch
import torch.nn as nn

lstm = nn.LSTM(3, 4, batch_first=True)
out, (h, c) = lstm(torch.randn(2, 5, 3))
out += 1  # error: IPL003
out.sum().backward()
