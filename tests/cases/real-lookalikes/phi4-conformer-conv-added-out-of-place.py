# case: phi4-conformer-conv-added-out-of-place
# source: https://github.com/vllm-project/vllm/pull/24500
# expect: clean
# torch: clean
# check: x.grad is not None and layer.conv.ln1.weight.grad is not None

# ConformerEncoderLayer.forward as the review asked to keep it: `hidden_states = hidden_states + ...`, new
# tensors each time, so what the LayerNorms saved is never overwritten.
import torch
from torch import nn


class FeedForward(nn.Module):
    def __init__(self, d_model):
        super().__init__()
        self.layer_norm = nn.LayerNorm(d_model)
        self.net = nn.Sequential(nn.Linear(d_model, 2 * d_model), nn.SiLU(), nn.Linear(2 * d_model, d_model))

    def forward(self, x):
        return self.net(self.layer_norm(x))


class ConvModule(nn.Module):
    def __init__(self, d_model):
        super().__init__()
        self.layer_norm = nn.LayerNorm(d_model)
        self.ln1 = nn.Linear(d_model, 2 * d_model)
        self.glu = nn.GLU(dim=-1)
        self.dw_sep_conv_1d = nn.Conv1d(d_model, d_model, 3, padding=1, groups=d_model)
        self.ext_pw_conv_1d = nn.Linear(d_model, d_model)

    def forward(self, x):
        x = self.glu(self.ln1(self.layer_norm(x)))
        x = self.dw_sep_conv_1d(x.transpose(1, 2)).transpose(1, 2)
        return self.ext_pw_conv_1d(x)


class ConformerEncoderLayer(nn.Module):
    def __init__(self, d_model, n_head):
        super().__init__()
        self.feed_forward_in = FeedForward(d_model)
        self.self_attn = nn.MultiheadAttention(d_model, n_head, batch_first=True)
        self.conv = ConvModule(d_model)
        self.feed_forward_out = FeedForward(d_model)
        self.layer_norm_att = nn.LayerNorm(d_model)
        self.layer_norm = nn.LayerNorm(d_model)

    def forward(self, x, attention_mask=None):
        x = x + 0.5 * self.feed_forward_in(x)
        norm_x = self.layer_norm_att(x)

        hidden_states = x + self.self_attn(norm_x, norm_x, norm_x, attn_mask=attention_mask, need_weights=False)[0]
        hidden_states = hidden_states + self.conv(hidden_states)
        hidden_states = hidden_states + 0.5 * self.feed_forward_out(hidden_states)

        out = self.layer_norm(hidden_states)
        return out


layer = ConformerEncoderLayer(8, 2)
x = torch.randn(2, 5, 8, requires_grad=True)
layer(x).sum().backward()
