# case: timm-mlp-gelu-inplace-dropout
# expect: clean
# torch: clean
# check: torch.allclose(x.grad, x_ref.grad, atol=1e-6)

import torch
from torch import nn


class Mlp(nn.Module):
    def __init__(self, in_features, hidden_features, drop=0.25):
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden_features)
        self.act = nn.GELU()
        self.drop1 = nn.Dropout(drop, inplace=True)
        self.fc2 = nn.Linear(hidden_features, in_features)
        self.drop2 = nn.Dropout(drop, inplace=True)

    def forward(self, x):
        x = self.fc1(x)
        x = self.act(x)
        x = self.drop1(x)
        x = self.fc2(x)
        x = self.drop2(x)
        return x


torch.manual_seed(0)
mlp = Mlp(4, 8)
x = torch.randn(3, 4, requires_grad=True)
torch.manual_seed(1)
mlp(x).sum().backward()

mlp.drop1.inplace = False
mlp.drop2.inplace = False
x_ref = x.detach().clone().requires_grad_(True)
torch.manual_seed(1)
mlp(x_ref).sum().backward()
