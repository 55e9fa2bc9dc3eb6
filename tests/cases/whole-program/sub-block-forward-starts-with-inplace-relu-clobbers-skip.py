# case: sub-block-forward-starts-with-inplace-relu-clobbers-skip
# source: inplace-lint issue #13 (held-out set 9: a sub-block's forward starts with an in-place ReLU on its input, which the caller keeps as its skip connection)
# expect: markers
# torch: clean
# check: not torch.allclose(out, expected)
import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self, d, activation='relu', activation_first=False):
        super().__init__()
        self.activation_first = activation_first
        if activation == 'relu':
            self.activation = nn.ReLU(inplace=True)
        else:
            self.activation = None
        self.conv = nn.Conv2d(d, d, 3, padding=1)

    def forward(self, x):
        if self.activation_first:
            if self.activation:
                x = self.activation(x)
            x = self.conv(x)
        else:
            x = self.conv(x)
            if self.activation:
                x = self.activation(x)
        return x


class Res(nn.Module):
    def __init__(self, d, activation='relu'):
        super().__init__()
        self.conv_0 = Block(d, activation=activation, activation_first=True)

    def forward(self, x):
        x_s = x
        dx = self.conv_0(x)  # error: IPL008
        return x_s + dx


torch.manual_seed(0)
stem = Block(3, activation='none')
res = Res(3)
img = torch.randn(1, 3, 5, 5)
h = stem(img)
h_ref = h.detach().clone()
out = res(h)
out.sum().backward()
with torch.no_grad():
    expected = h_ref + res.conv_0.conv(torch.relu(h_ref))
