# case: data-write-on-tensor-without-grad
# expect: clean
# torch: clean
# check: torch.equal(buf, torch.tensor([2.0, 1.0, 1.0]))

import torch

buf = torch.zeros(3)
buf.data.add_(1)
buf.data[0] = 2
