# case: 3detr-encoder-ffn-dropout-out-of-place
# source: https://github.com/facebookresearch/3detr/issues/55
# expect: clean
# torch: clean
# check: all(p.grad is not None and bool(torch.isfinite(p.grad).all()) for p in encoder.parameters()) and torch.isfinite(loss)

# The reporter's fix for 3DETR's encoder: every nn.Dropout of TransformerEncoderLayer built without inplace=True,
# so the dropout after the ReLU returns a new tensor and leaves the one ReLU saved alone. Same reduced encoder and
# training step as real-bugs/3detr-encoder-ffn-inplace-dropout-on-relu-output.
import copy
from functools import partial
from typing import Optional

import torch
from torch import Tensor, nn

NORM_DICT = {
    "bn1d": nn.BatchNorm1d,
    "id": nn.Identity,
    "ln": nn.LayerNorm,
}

ACTIVATION_DICT = {
    "relu": nn.ReLU,
    "gelu": nn.GELU,
    "leakyrelu": partial(nn.LeakyReLU, negative_slope=0.1),
}


def get_clones(module, N):
    return nn.ModuleList([copy.deepcopy(module) for i in range(N)])


class TransformerEncoder(nn.Module):

    def __init__(self, encoder_layer, num_layers, norm=None):
        super().__init__()
        self.layers = get_clones(encoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, src, mask: Optional[Tensor] = None, src_key_padding_mask: Optional[Tensor] = None,
                pos: Optional[Tensor] = None):
        output = src
        for idx, layer in enumerate(self.layers):
            output = layer(output, src_mask=mask, src_key_padding_mask=src_key_padding_mask, pos=pos)
        if self.norm is not None:
            output = self.norm(output)
        return output


class TransformerEncoderLayer(nn.Module):

    def __init__(self, d_model, nhead=4, dim_feedforward=128,
                 dropout=0.1, dropout_attn=None,
                 activation="relu", normalize_before=True, norm_name="ln",
                 use_ffn=True,
                 ffn_use_bias=True):
        super().__init__()
        if dropout_attn is None:
            dropout_attn = dropout
        self.self_attn = nn.MultiheadAttention(d_model, nhead, dropout=dropout_attn)
        self.use_ffn = use_ffn
        if self.use_ffn:
            # Implementation of Feedforward model
            self.linear1 = nn.Linear(d_model, dim_feedforward, bias=ffn_use_bias)
            self.dropout = nn.Dropout(dropout)
            self.linear2 = nn.Linear(dim_feedforward, d_model, bias=ffn_use_bias)
            self.norm2 = NORM_DICT[norm_name](d_model)
            self.dropout2 = nn.Dropout(dropout)

        self.norm1 = NORM_DICT[norm_name](d_model)
        self.dropout1 = nn.Dropout(dropout)

        self.activation = ACTIVATION_DICT[activation]()
        self.normalize_before = normalize_before
        self.nhead = nhead

    def with_pos_embed(self, tensor, pos: Optional[Tensor]):
        return tensor if pos is None else tensor + pos

    def forward_pre(self, src,
                    src_mask: Optional[Tensor] = None,
                    src_key_padding_mask: Optional[Tensor] = None,
                    pos: Optional[Tensor] = None):
        src2 = self.norm1(src)
        value = src2
        q = k = self.with_pos_embed(src2, pos)
        src2 = self.self_attn(q, k, value=value, attn_mask=src_mask,
                              key_padding_mask=src_key_padding_mask)[0]
        src = src + self.dropout1(src2)
        if self.use_ffn:
            src2 = self.norm2(src)
            src2 = self.linear2(self.dropout(self.activation(self.linear1(src2))))
            src = src + self.dropout2(src2)
        return src

    def forward(self, src,
                src_mask: Optional[Tensor] = None,
                src_key_padding_mask: Optional[Tensor] = None,
                pos: Optional[Tensor] = None):
        return self.forward_pre(src, src_mask, src_key_padding_mask, pos)


torch.manual_seed(0)
encoder_layer = TransformerEncoderLayer(d_model=16, nhead=4, dim_feedforward=32, dropout=0.1, activation="relu")
encoder = TransformerEncoder(encoder_layer, num_layers=2).train()
optimizer = torch.optim.AdamW(encoder.parameters(), lr=1e-4)
points = torch.randn(24, 2, 16)  # npoints x batch x channel, as 3DETR feeds its encoder
pos = torch.randn(24, 2, 16)
target = torch.randn(24, 2, 16)
optimizer.zero_grad()
loss = torch.nn.functional.mse_loss(encoder(points, pos=pos), target)
loss.backward()
optimizer.step()
