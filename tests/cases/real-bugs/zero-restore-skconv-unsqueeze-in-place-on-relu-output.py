# case: zero-restore-skconv-unsqueeze-in-place-on-relu-output
# source: https://github.com/aupendu/zero-restore/issues/7
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# model/watermodel.py's SKConv.forward: each branch ends in the ReLU of InConv.convf, which saves its output, and
# `conv(x).unsqueeze_(dim=1)` changes that output in place (an in-place view op bumps its version). The
# maintainer's answer: add .clone() in SKConv's forward. InConv reduced to its convf block; sizes reduced.
import torch
import torch.nn as nn


class InConv(nn.Module):
    def __init__(self, in_ch, out_ch):
        super(InConv, self).__init__()
        self.convf = nn.Sequential(
            nn.Conv2d(in_ch, out_ch, 3, padding=1, bias=False, padding_mode='reflect'),
            nn.GroupNorm(num_channels=out_ch, num_groups=2, affine=True),
            nn.ReLU(inplace=False)
        )

    def forward(self, x):
        return self.convf(x)


class SKConv(nn.Module):
    def __init__(self, outfeatures=4, infeatures=1, M=2, L=3):
        super(SKConv, self).__init__()
        self.M = M
        self.convs = nn.ModuleList([])
        in_conv = InConv(in_ch=infeatures, out_ch=outfeatures)
        for i in range(M):
            if i == 0:
                self.convs.append(in_conv)
            else:
                self.convs.append(nn.Sequential(
                    nn.Upsample(scale_factor=1 / (2 ** i), mode='bilinear', align_corners=True),
                    in_conv,
                    nn.Upsample(scale_factor=2 ** i, mode='bilinear', align_corners=True)
                ))
        self.fc = nn.Linear(outfeatures, L)
        self.fcs = nn.ModuleList([])
        for i in range(M):
            self.fcs.append(nn.Linear(L, outfeatures))
        self.softmax = nn.Softmax(dim=1)

    def forward(self, x):
        for i, conv in enumerate(self.convs):
            fea = conv(x).unsqueeze_(dim=1)  # error: IPL003
            if i == 0:
                feas = fea
            else:
                feas = torch.cat([feas, fea], dim=1)
        fea_U = torch.sum(feas, dim=1)
        fea_s = fea_U.mean(-1).mean(-1)
        fea_z = self.fc(fea_s)
        for i, fc in enumerate(self.fcs):
            vector = fc(fea_z).unsqueeze_(dim=1)
            if i == 0:
                attention_vectors = vector
            else:
                attention_vectors = torch.cat([attention_vectors, vector], dim=1)
        attention_vectors = self.softmax(attention_vectors)
        attention_vectors = attention_vectors.unsqueeze(-1).unsqueeze(-1)
        fea_v = (feas * attention_vectors).sum(dim=1)
        return fea_v


torch.manual_seed(0)
sk = SKConv()
x = torch.rand(1, 1, 8, 8, requires_grad=True)
sk(x).sum().backward()
