# case: functional-dropout-inplace-on-linear-output
# expect: clean
# torch: clean
# check: torch.allclose(x.grad, x_ref.grad, atol=1e-6)

import torch
import torch.nn.functional as F
from torch import nn


class Head(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 5)
        self.out = nn.Linear(5, 1)

    def forward(self, x):
        h = self.fc(x)
        h = F.dropout(h, p=0.5, training=self.training, inplace=True)
        return self.out(h)


torch.manual_seed(0)
head = Head()
x = torch.randn(4, 3, requires_grad=True)
torch.manual_seed(1)
head(x).sum().backward()

x_ref = x.detach().clone().requires_grad_(True)
torch.manual_seed(1)
mask = F.dropout(torch.ones(4, 5), p=0.5, training=True)
(head.out(head.fc(x_ref) * mask)).sum().backward()
