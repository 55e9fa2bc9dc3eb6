# case: stargan-vc-asr-convblock-residual
# source: https://github.com/yl4579/StarGANv2-VC/pull/86
# expect: markers
# torch: raises "modified by an inplace operation"

# StarGANv2-VC trains its generator with an ASR feature loss computed by a frozen
# ASRCNN (Utils/ASR/models.py + layers.py). ASRCNN.cnns holds ConvBlock(hidden_dim),
# whose blocks are nn.Sequential(ConvNorm, _get_activation_fn('relu'), GroupNorm,
# Dropout(p=0.0), ConvNorm, _get_activation_fn('relu'), Dropout(p=0.0)). A Dropout with
# p=0 returns its input object itself, so `x = block(x)` is the saved output of the
# factory-built nn.ReLU, and ConvBlock.forward's `x += res` overwrites it. Reduced: sizes,
# MFCC is a fixed DCT-like matmul buffer, the generator is two convs; names kept.
import torch
from torch import nn
import torch.nn.functional as F


def _get_activation_fn(activ):
    if activ == 'relu':
        return nn.ReLU()
    elif activ == 'lrelu':
        return nn.LeakyReLU(0.2)
    else:
        raise RuntimeError('Unexpected activ type %s' % activ)


class ConvNorm(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size=1, stride=1, padding=None, dilation=1):
        super().__init__()
        if padding is None:
            padding = int(dilation * (kernel_size - 1) / 2)
        self.conv = nn.Conv1d(in_channels, out_channels, kernel_size=kernel_size,
                              stride=stride, padding=padding, dilation=dilation)

    def forward(self, signal):
        return self.conv(signal)


class ConvBlock(nn.Module):
    def __init__(self, hidden_dim, n_conv=3, dropout_p=0.0, activ='relu'):
        super().__init__()
        self._n_groups = 8
        self.blocks = nn.ModuleList([
            self._get_conv(hidden_dim, dilation=3**i, activ=activ, dropout_p=dropout_p)
            for i in range(n_conv)])

    def forward(self, x):
        for block in self.blocks:
            res = x
            x = block(x)
            x += res  # error: IPL003
        return x

    def _get_conv(self, hidden_dim, dilation, activ='relu', dropout_p=0.0):
        layers = [
            ConvNorm(hidden_dim, hidden_dim, kernel_size=3, padding=dilation, dilation=dilation),
            _get_activation_fn(activ),
            nn.GroupNorm(num_groups=self._n_groups, num_channels=hidden_dim),
            nn.Dropout(p=dropout_p),
            ConvNorm(hidden_dim, hidden_dim, kernel_size=3, padding=1, dilation=1),
            _get_activation_fn(activ),
            nn.Dropout(p=dropout_p)
        ]
        return nn.Sequential(*layers)


class MFCC(nn.Module):
    def __init__(self, n_mfcc=10, n_mels=20):
        super().__init__()
        self.register_buffer('dct_mat', torch.randn(n_mels, n_mfcc))

    def forward(self, mel_specgram):
        return torch.matmul(mel_specgram.transpose(1, 2), self.dct_mat).transpose(1, 2)


class ASRCNN(nn.Module):
    def __init__(self, input_dim=20, hidden_dim=16, n_layers=2):
        super().__init__()
        self.to_mfcc = MFCC(input_dim // 2, input_dim)
        self.init_cnn = ConvNorm(input_dim // 2, hidden_dim, kernel_size=7, padding=3, stride=2)
        self.cnns = nn.Sequential(
            *[nn.Sequential(
                ConvBlock(hidden_dim),
                nn.GroupNorm(num_groups=1, num_channels=hidden_dim)
            ) for n in range(n_layers)])
        self.projection = ConvNorm(hidden_dim, hidden_dim // 2)

    def get_feature(self, x):
        x = self.to_mfcc(x.squeeze(1))
        x = self.init_cnn(x)
        x = self.cnns(x)
        x = self.projection(x)
        return x


torch.manual_seed(0)
asr = ASRCNN()
for p in asr.parameters():
    p.requires_grad_(False)
generator = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.LeakyReLU(0.2), nn.Conv2d(4, 1, 3, padding=1))

x_real = torch.randn(2, 1, 20, 24)
x_fake = generator(x_real)
with torch.no_grad():
    ASR_real = asr.get_feature(x_real)
ASR_fake = asr.get_feature(x_fake)
loss_asr = F.smooth_l1_loss(ASR_fake, ASR_real)
loss_asr.backward()
