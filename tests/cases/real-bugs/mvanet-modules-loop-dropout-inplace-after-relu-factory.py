# case: mvanet-modules-loop-dropout-inplace-after-relu-factory
# source: https://github.com/qianyu-dlut/MVANet/issues/2
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# model/MVANet.py: the feed-forward of MCLM is `self.dropout(self.activation(self.linear1(...)))`, where
# `self.activation = get_activation_fn('relu')` returns F.relu (which saves its result), and MVANet.__init__ ends
# with a .modules() loop that makes every nn.ReLU and nn.Dropout in place. In training the dropout then
# overwrites the ReLU's saved output ("output 0 of ReluBackward0" in the issue). The attention part of MCLM and
# the Swin backbone are left out; sizes reduced.
import torch
import torch.nn.functional as F
from torch import nn


def get_activation_fn(activation):
    """Return an activation function given a string"""
    if activation == "relu":
        return F.relu
    if activation == "gelu":
        return F.gelu
    if activation == "glu":
        return F.glu
    raise RuntimeError(F"activation should be relu/gelu, not {activation}.")


class MCLM(nn.Module):
    def __init__(self, d_model):
        super(MCLM, self).__init__()
        self.linear1 = nn.Linear(d_model, d_model * 2)
        self.linear2 = nn.Linear(d_model * 2, d_model)
        self.norm1 = nn.LayerNorm(d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.dropout = nn.Dropout(0.1)
        self.dropout2 = nn.Dropout(0.1)
        self.activation = get_activation_fn('relu')

    def forward(self, g_hw_b_c):
        g_hw_b_c = self.norm1(g_hw_b_c)
        g_hw_b_c = g_hw_b_c + self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(g_hw_b_c)))))
        g_hw_b_c = self.norm2(g_hw_b_c)
        return g_hw_b_c


class MVANet(nn.Module):
    def __init__(self):
        super().__init__()
        emb_dim = 8
        self.sideout = nn.Conv2d(emb_dim, 1, 1)
        self.multifieldcrossatt = MCLM(emb_dim)
        for m in self.modules():
            if isinstance(m, nn.ReLU) or isinstance(m, nn.Dropout):
                m.inplace = True  # error: IPL003

    def forward(self, x):
        b, c, h, w = x.shape
        tokens = x.flatten(2).permute(2, 0, 1)
        tokens = self.multifieldcrossatt(tokens)
        return self.sideout(tokens.permute(1, 2, 0).reshape(b, c, h, w))


torch.manual_seed(0)
model = MVANet()
model.train()
x = torch.randn(1, 8, 4, 4, requires_grad=True)
model(x).sum().backward()
