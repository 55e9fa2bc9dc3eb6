# case: speechbrain-cnn14-convblock-relu-after-norm
# source: https://github.com/speechbrain/speechbrain/blob/develop/speechbrain/lobes/models/Cnn14.py
# expect: clean
# torch: clean
# check: all(p.grad is not None for p in net.parameters() if p.requires_grad) and all(bool(torch.isfinite(p.grad).all()) for p in net.parameters() if p.grad is not None)

# speechbrain 1.1.2's CNN14 encoder (ConvBlock and Cnn14 as in the library, four blocks instead of six, no
# init_weight, no docstrings). `ConvBlock.forward` runs `x = F.relu_(self.norm1(self.conv1(x)))`: the norm layer
# (BatchNorm2d, InstanceNorm2d or GroupNorm, by `norm_type`) does not save its output, so the in-place ReLU is fine.
# `Cnn14.forward` calls two ConvBlocks one after the other: the tensor the second call's `self.norm1(...)` returns is
# a new one, not the one the first call's `conv2` saved (the analysis once took them for the same tensor).
import torch
import torch.nn as nn
import torch.nn.functional as F


class ConvBlock(nn.Module):
    def __init__(self, in_channels, out_channels, norm_type):
        super(ConvBlock, self).__init__()
        self.conv1 = nn.Conv2d(in_channels=in_channels, out_channels=out_channels, kernel_size=(3, 3),
                               stride=(1, 1), padding=(1, 1), bias=False)
        self.conv2 = nn.Conv2d(in_channels=out_channels, out_channels=out_channels, kernel_size=(3, 3),
                               stride=(1, 1), padding=(1, 1), bias=False)
        self.norm_type = norm_type
        if norm_type == "bn":
            self.norm1 = nn.BatchNorm2d(out_channels)
            self.norm2 = nn.BatchNorm2d(out_channels)
        elif norm_type == "in":
            self.norm1 = nn.InstanceNorm2d(out_channels, affine=True, track_running_stats=True)
            self.norm2 = nn.InstanceNorm2d(out_channels, affine=True, track_running_stats=True)
        elif norm_type == "ln":
            self.norm1 = nn.GroupNorm(1, out_channels)
            self.norm2 = nn.GroupNorm(1, out_channels)
        else:
            raise ValueError(f"Unknown norm type {norm_type}")

    def forward(self, x, pool_size=(2, 2), pool_type="avg"):
        x = F.relu_(self.norm1(self.conv1(x)))
        x = F.relu_(self.norm2(self.conv2(x)))
        if pool_type == "max":
            x = F.max_pool2d(x, kernel_size=pool_size)
        elif pool_type == "avg":
            x = F.avg_pool2d(x, kernel_size=pool_size)
        elif pool_type == "avg+max":
            x1 = F.avg_pool2d(x, kernel_size=pool_size)
            x2 = F.max_pool2d(x, kernel_size=pool_size)
            x = x1 + x2
        else:
            raise Exception("Incorrect pooling type!")
        return x


class Cnn14(nn.Module):
    def __init__(self, mel_bins, emb_dim, norm_type="bn"):
        super(Cnn14, self).__init__()
        self.norm_type = norm_type
        if norm_type == "bn":
            self.norm0 = nn.BatchNorm2d(mel_bins)
        elif norm_type == "in":
            self.norm0 = nn.InstanceNorm2d(mel_bins, affine=True, track_running_stats=True)
        elif norm_type == "ln":
            self.norm0 = nn.GroupNorm(1, mel_bins)
        else:
            raise ValueError(f"Unknown norm type {norm_type}")
        self.conv_block1 = ConvBlock(in_channels=1, out_channels=4, norm_type=norm_type)
        self.conv_block2 = ConvBlock(in_channels=4, out_channels=8, norm_type=norm_type)
        self.conv_block3 = ConvBlock(in_channels=8, out_channels=8, norm_type=norm_type)
        self.conv_block4 = ConvBlock(in_channels=8, out_channels=emb_dim, norm_type=norm_type)

    def forward(self, x):
        if x.dim() == 3:
            x = x.unsqueeze(1)
        x = x.transpose(1, 3)
        x = self.norm0(x)
        x = x.transpose(1, 3)
        x = self.conv_block1(x, pool_size=(2, 2), pool_type="avg")
        x = F.dropout(x, p=0.2, training=self.training)
        x = self.conv_block2(x, pool_size=(2, 2), pool_type="avg")
        x = F.dropout(x, p=0.2, training=self.training)
        x = self.conv_block3(x, pool_size=(2, 2), pool_type="avg")
        x = F.dropout(x, p=0.2, training=self.training)
        x = self.conv_block4(x, pool_size=(1, 1), pool_type="avg")
        x = torch.mean(x, dim=3)
        (x1, _) = torch.max(x, dim=2)
        x2 = torch.mean(x, dim=2)
        x = x1 + x2
        return x.unsqueeze(1)


def train_step(norm_type):
    model = Cnn14(mel_bins=16, emb_dim=8, norm_type=norm_type)
    model(torch.rand(2, 32, 16)).sum().backward()
    return model


torch.manual_seed(0)
for kind in ("bn", "in", "ln"):
    net = train_step(kind)
