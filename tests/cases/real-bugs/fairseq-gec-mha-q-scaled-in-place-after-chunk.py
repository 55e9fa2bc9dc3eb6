# case: fairseq-gec-mha-q-scaled-in-place-after-chunk
# source: https://github.com/kanyun-inc/fairseq-gec/issues/45
# expect: markers
# torch: raises "is a view and is being modified inplace"

# The thread: `bash train.sh` of fairseq-gec fails with "Output 0 of SplitBackward0 is a view
# and is being modified inplace"; a commenter traces it to fairseq's multihead_attention.py and
# fixes it by replacing `q *= self.scaling` with `q = q * self.scaling`.
# Kept: fairseq's old MultiheadAttention shape -- one packed in_proj_weight, in_proj_qkv() that
# chunks the projection into q, k, v, then `q *= self.scaling` in forward().
# Completed: a tiny encoder layer around it, random (T, B, C) inputs, one backward.
import torch
import torch.nn as nn
import torch.nn.functional as F


class MultiheadAttention(nn.Module):
    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True):
        super().__init__()
        self.embed_dim = embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.head_dim = embed_dim // num_heads
        self.scaling = self.head_dim ** -0.5
        self.in_proj_weight = nn.Parameter(torch.Tensor(3 * embed_dim, embed_dim))
        self.in_proj_bias = nn.Parameter(torch.Tensor(3 * embed_dim))
        self.out_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        nn.init.xavier_uniform_(self.in_proj_weight)
        nn.init.constant_(self.in_proj_bias, 0.0)

    def in_proj_qkv(self, query):
        return self._in_proj(query).chunk(3, dim=-1)

    def _in_proj(self, input, start=0, end=None):
        weight = self.in_proj_weight[start:end, :]
        bias = self.in_proj_bias[start:end]
        return F.linear(input, weight, bias)

    def forward(self, query, key, value, key_padding_mask=None):
        tgt_len, bsz, embed_dim = query.size()
        q, k, v = self.in_proj_qkv(query)
        q *= self.scaling  # error: IPL009

        q = q.contiguous().view(tgt_len, bsz * self.num_heads, self.head_dim).transpose(0, 1)
        k = k.contiguous().view(-1, bsz * self.num_heads, self.head_dim).transpose(0, 1)
        v = v.contiguous().view(-1, bsz * self.num_heads, self.head_dim).transpose(0, 1)
        attn_weights = torch.bmm(q, k.transpose(1, 2))
        attn_weights = F.softmax(attn_weights.float(), dim=-1).type_as(attn_weights)
        attn_weights = F.dropout(attn_weights, p=self.dropout, training=self.training)
        attn = torch.bmm(attn_weights, v)
        attn = attn.transpose(0, 1).contiguous().view(tgt_len, bsz, embed_dim)
        return self.out_proj(attn), attn_weights


class TransformerEncoderLayer(nn.Module):
    def __init__(self, embed_dim=16, heads=2):
        super().__init__()
        self.self_attn = MultiheadAttention(embed_dim, heads)
        self.fc1 = nn.Linear(embed_dim, 32)
        self.fc2 = nn.Linear(32, embed_dim)

    def forward(self, x):
        residual = x
        x, _ = self.self_attn(query=x, key=x, value=x)
        x = residual + x
        return x + self.fc2(F.relu(self.fc1(x)))


torch.manual_seed(0)
layer = TransformerEncoderLayer()
src = torch.randn(5, 3, 16)  # (T, B, C)
out = layer(src)
out.pow(2).mean().backward()
