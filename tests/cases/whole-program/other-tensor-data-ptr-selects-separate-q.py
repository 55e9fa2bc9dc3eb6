# case: other-tensor-data-ptr-selects-separate-q
# source: inplace-lint (the look-alike of same-tensor-data-ptr-selects-chunked-qkv)
# expect: clean
# torch: clean
# check: att.in_proj_weight.grad is not None

# Two different tensors: the encoder-decoder branch runs, q is a plain linear output, and scaling it in place is
# fine; in self-attention the query is scaled out of place.
import torch
import torch.nn as nn
import torch.nn.functional as F


class Attention(nn.Module):
    def __init__(self, d=4):
        super().__init__()
        self.in_proj_weight = nn.Parameter(torch.randn(3 * d, d))
        self.d = d

    def forward(self, query, key):
        if query.data_ptr() == key.data_ptr():
            q, k, v = F.linear(query, self.in_proj_weight).chunk(3, dim=-1)
            q = q * 0.5
        else:
            q = F.linear(query, self.in_proj_weight[:self.d])
            k, v = F.linear(key, self.in_proj_weight[self.d:]).chunk(2, dim=-1)
            q *= 0.5
        return (q @ k.t()).softmax(-1) @ v


att = Attention()
att(torch.randn(3, 4), torch.randn(5, 4)).sum().backward()
