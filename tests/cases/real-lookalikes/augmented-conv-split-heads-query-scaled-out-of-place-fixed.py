# case: augmented-conv-split-heads-query-scaled-out-of-place-fixed
# source: https://github.com/hanchenchen/Attention-A-Lightweight-2D-Hand-Pose-Estimation-Approach-Pytorch/issues/4
# expect: clean
# torch: clean
# check: bool(grad_ok)

# The same AugmentedConv with the query scaling written out of place, `q = q * dkh ** -0.5`, as the
# Attention-Augmented-Conv2d code it was copied from does it now; the split views are only read.
import torch
import torch.nn as nn
import torch.nn.functional as F


class Mish(nn.Module):
    def forward(self, x):
        return x * torch.tanh(F.softplus(x))


class AugmentedConv(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, dk, dv, Nh, shape=0, relative=False, stride=1):
        super().__init__()
        self.dk = int(dk * out_channels)
        self.dv = int(dv * out_channels)
        self.Nh = Nh
        self.shape = shape
        self.relative = relative
        self.padding = kernel_size // 2
        self.conv_out = nn.Conv2d(in_channels, out_channels - self.dv, kernel_size, stride=stride, padding=self.padding)
        self.qkv_conv = nn.Conv2d(in_channels, 2 * self.dk + self.dv, kernel_size=kernel_size, stride=stride,
                                  padding=self.padding)
        self.attn_out = nn.Conv2d(self.dv, self.dv, kernel_size=1, stride=1)
        if self.relative:
            self.key_rel_w = nn.Parameter(torch.randn((2 * self.shape - 1, self.dk // self.Nh), requires_grad=True))
            self.key_rel_h = nn.Parameter(torch.randn((2 * self.shape - 1, self.dk // self.Nh), requires_grad=True))

    def forward(self, x):
        conv_out = self.conv_out(x)
        batch, _, height, width = conv_out.size()
        flat_q, flat_k, flat_v, q, k, v = self.compute_flat_qkv(x, self.dk, self.dv, self.Nh)
        logits = torch.matmul(flat_q.transpose(2, 3), flat_k)
        if self.relative:
            h_rel_logits, w_rel_logits = self.relative_logits(q)
            logits += h_rel_logits
            logits += w_rel_logits
        weights = F.softmax(logits, dim=-1)
        attn_out = torch.matmul(weights, flat_v.transpose(2, 3))
        attn_out = torch.reshape(attn_out, (batch, self.Nh, self.dv // self.Nh, height, width))
        attn_out = self.combine_heads_2d(attn_out)
        attn_out = self.attn_out(attn_out)
        return torch.cat((conv_out, attn_out), dim=1)

    def compute_flat_qkv(self, x, dk, dv, Nh):
        qkv = self.qkv_conv(x)
        N, _, H, W = qkv.size()
        q, k, v = torch.split(qkv, [dk, dk, dv], dim=1)
        q = self.split_heads_2d(q, Nh)
        k = self.split_heads_2d(k, Nh)
        v = self.split_heads_2d(v, Nh)
        dkh = dk // Nh
        q = q * dkh ** -0.5
        flat_q = torch.reshape(q, (N, Nh, dk // Nh, H * W))
        flat_k = torch.reshape(k, (N, Nh, dk // Nh, H * W))
        flat_v = torch.reshape(v, (N, Nh, dv // Nh, H * W))
        return flat_q, flat_k, flat_v, q, k, v

    def split_heads_2d(self, x, Nh):
        batch, channels, height, width = x.size()
        ret_shape = (batch, Nh, channels // Nh, height, width)
        split = torch.reshape(x, ret_shape)
        return split

    def combine_heads_2d(self, x):
        batch, Nh, dv, H, W = x.size()
        return torch.reshape(x, (batch, Nh * dv, H, W))

    def relative_logits(self, q):
        B, Nh, dk, H, W = q.size()
        q = torch.transpose(q, 2, 4).transpose(2, 3)
        rel_logits_w = self.relative_logits_1d(q, self.key_rel_w, H, W, Nh, "w")
        rel_logits_h = self.relative_logits_1d(torch.transpose(q, 2, 3), self.key_rel_h, W, H, Nh, "h")
        return rel_logits_h, rel_logits_w

    def relative_logits_1d(self, q, rel_k, H, W, Nh, case):
        rel_logits = torch.einsum('bhxyd,md->bhxym', q, rel_k)
        rel_logits = torch.reshape(rel_logits, (-1, Nh * H, W, 2 * W - 1))
        rel_logits = self.rel_to_abs(rel_logits)
        rel_logits = torch.reshape(rel_logits, (-1, Nh, H, W, W))
        rel_logits = torch.unsqueeze(rel_logits, dim=3)
        rel_logits = rel_logits.repeat((1, 1, 1, H, 1, 1))
        if case == "w":
            rel_logits = torch.transpose(rel_logits, 3, 4)
        elif case == "h":
            rel_logits = torch.transpose(rel_logits, 2, 4).transpose(4, 5).transpose(3, 5)
        return torch.reshape(rel_logits, (-1, Nh, H * W, H * W))

    def rel_to_abs(self, x):
        B, Nh, L, _ = x.size()
        col_pad = torch.zeros((B, Nh, L, 1)).to(x)
        x = torch.cat((x, col_pad), dim=3)
        flat_x = torch.reshape(x, (B, Nh, L * 2 * L))
        flat_pad = torch.zeros((B, Nh, L - 1)).to(x)
        flat_x_padded = torch.cat((flat_x, flat_pad), dim=2)
        final_x = torch.reshape(flat_x_padded, (B, Nh, L + 1, 2 * L - 1))
        return final_x[:, :, :L, L - 1:]


def aug_block(in_channels, out_channels, kernel_size, dk, dv, Nh, shape):
    return nn.Sequential(
        AugmentedConv(in_channels=in_channels, out_channels=out_channels, kernel_size=kernel_size, dk=dk,
                      dv=dv, Nh=Nh, relative=True, stride=1, shape=shape),
        nn.BatchNorm2d(out_channels),
        Mish(),
    )


class ARB(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, aug=True, dk=40, dv=4, Nh=4, shape=224):
        super().__init__()
        self.conv1 = nn.Sequential(
            nn.Conv2d(in_channels, out_channels * 4, kernel_size, padding=kernel_size // 2),
            nn.BatchNorm2d(out_channels * 4),
            Mish(),
        )
        self.aug = aug
        self.attention_aug = aug_block(out_channels * 4, out_channels * 4, kernel_size, dk, dv, Nh, shape)
        self.conv2 = nn.Sequential(nn.Conv2d(out_channels * 4, out_channels, kernel_size=1),
                                   nn.BatchNorm2d(out_channels), Mish())

    def forward(self, inputs):
        x = self.conv1(inputs)
        if self.aug:
            augmented_conv = self.attention_aug(x)
            x = torch.add(augmented_conv, x)
        return self.conv2(x)


class Dense(nn.Module):
    def __init__(self, in_channels, growth_rate, kernel_size, iteration, Nh=4, aug=True, shape=224):
        super().__init__()
        self.iteration = iteration
        self.arb = [ARB(in_channels, growth_rate, kernel_size=kernel_size, aug=aug, dk=0.1, dv=0.1, Nh=Nh, shape=shape)]
        for i in range(1, self.iteration):
            self.arb.append(ARB(in_channels + growth_rate * i, growth_rate, kernel_size=kernel_size, aug=aug,
                                dk=0.1, dv=0.1, Nh=Nh, shape=shape))

    def forward(self, inputs):
        x = [inputs]
        for i in range(self.iteration):
            x.append(self.arb[i](torch.cat(x, dim=1)))
        return torch.cat(x, dim=1)


torch.manual_seed(0)
dense = Dense(in_channels=8, growth_rate=10, kernel_size=3, iteration=2, Nh=4, aug=True, shape=8)
images = torch.randn(2, 8, 8, 8, requires_grad=True)
out = dense(images)
out.mean().backward()
grad_ok = images.grad is not None and torch.isfinite(images.grad).all()
