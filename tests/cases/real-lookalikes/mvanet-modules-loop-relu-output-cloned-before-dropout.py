# case: mvanet-modules-loop-relu-output-cloned-before-dropout
# source: https://github.com/qianyu-dlut/MVANet/issues/2
# expect: clean
# torch: clean
# check: x.grad is not None and model.multifieldcrossatt.linear1.weight.grad is not None

# MCLM as model/MVANet.py has it after the issue: the .modules() loop still makes every ReLU and Dropout in
# place, but the F.relu output is cloned before the in-place dropout (`self.activation(...).clone()`), so the
# ReLU's saved result is not the tensor the dropout writes.
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
        g_hw_b_c = g_hw_b_c + self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(g_hw_b_c)).clone())))
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
                m.inplace = True

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
