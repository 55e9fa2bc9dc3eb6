# case: same-tensor-data-ptr-selects-chunked-qkv
# source: inplace-lint (the fairseq-style attention of https://github.com/lipiji/TranSummar/issues/19, reduced)
# expect: markers
# torch: raises "is a view and is being modified inplace"

# `query.data_ptr() == key.data_ptr()` holds when the call passes one tensor for both (self-attention): q is then an
# output of `chunk`, and scaling it in place raises.
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
        else:
            q = F.linear(query, self.in_proj_weight[:self.d])
            k, v = F.linear(key, self.in_proj_weight[self.d:]).chunk(2, dim=-1)
        q *= 0.5  # error: IPL009
        return (q @ k.t()).softmax(-1) @ v


x = torch.randn(3, 4)
Attention()(x, x).sum().backward()
