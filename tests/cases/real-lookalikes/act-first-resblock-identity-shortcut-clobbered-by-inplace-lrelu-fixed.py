# case: act-first-resblock-identity-shortcut-clobbered-by-inplace-lrelu-fixed
# source: https://github.com/NVlabs/FUNIT/issues/23
# expect: clean
# torch: clean
# check: torch.allclose(out, expected) and all(p.grad is not None and torch.isfinite(p.grad).all() for p in dis.parameters())

# The fix given in the thread: the activations in blocks.py are built with inplace=False,
# so conv_0's activation returns a new tensor and the identity shortcut keeps x itself.
import torch
import torch.nn as nn
import torch.nn.functional as F


class Conv2dBlock(nn.Module):
    def __init__(self, in_dim, out_dim, ks, st, padding=0, activation='relu', pad_type='zero',
                 use_bias=True, activation_first=False):
        super().__init__()
        self.activation_first = activation_first
        if pad_type == 'reflect':
            self.pad = nn.ReflectionPad2d(padding)
        else:
            self.pad = nn.ZeroPad2d(padding)
        if activation == 'relu':
            self.activation = nn.ReLU(inplace=False)
        elif activation == 'lrelu':
            self.activation = nn.LeakyReLU(0.2, inplace=False)
        else:
            self.activation = None
        self.conv = nn.Conv2d(in_dim, out_dim, ks, st, bias=use_bias)

    def forward(self, x):
        if self.activation_first:
            if self.activation:
                x = self.activation(x)
            x = self.conv(self.pad(x))
        else:
            x = self.conv(self.pad(x))
            if self.activation:
                x = self.activation(x)
        return x


class ActFirstResBlock(nn.Module):
    def __init__(self, fin, fout, activation='lrelu'):
        super().__init__()
        self.learned_shortcut = (fin != fout)
        self.conv_0 = Conv2dBlock(fin, fout, 3, 1, padding=1, pad_type='reflect',
                                  activation=activation, activation_first=True)
        self.conv_1 = Conv2dBlock(fout, fout, 3, 1, padding=1, pad_type='reflect',
                                  activation=activation, activation_first=True)
        if self.learned_shortcut:
            self.conv_s = Conv2dBlock(fin, fout, 1, 1, activation='none', use_bias=False)

    def forward(self, x):
        x_s = self.conv_s(x) if self.learned_shortcut else x
        dx = self.conv_0(x)
        dx = self.conv_1(dx)
        out = x_s + dx
        return out


class Discriminator(nn.Module):
    def __init__(self, nf=4):
        super().__init__()
        self.cnn_f = nn.Sequential(
            Conv2dBlock(3, nf, 3, 1, 1, pad_type='reflect', activation='none'),
            ActFirstResBlock(nf, nf),
        )

    def forward(self, x):
        return self.cnn_f(x)


torch.manual_seed(0)
dis = Discriminator()
img = torch.randn(1, 3, 6, 6)
out = dis(img)
out.sum().backward()

# what the block is meant to compute: the shortcut is the stem's output itself
with torch.no_grad():
    stem, blk = dis.cnn_f[0], dis.cnn_f[1]
    h = stem(img)
    dx = blk.conv_0.conv(blk.conv_0.pad(F.leaky_relu(h, 0.2)))
    dx = blk.conv_1.conv(blk.conv_1.pad(F.leaky_relu(dx, 0.2)))
    expected = h + dx
