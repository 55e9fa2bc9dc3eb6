# case: longformer-global-attn-matmul-on-clones-fixed
# source: https://github.com/huggingface/transformers/pull/13613
# expect: clean
# torch: clean
# check: bool(grad_ok)

# The fix of the PR: the global-only product is taken on clones,
# `torch.matmul(attn_probs_only_global.transpose(1, 2).clone(), value_vectors_only_global.transpose(1, 2).clone())`,
# so zeroing the filler probabilities of the global tokens afterwards no longer touches a saved tensor.
import torch
from torch import nn


class LongformerSelfAttention(nn.Module):
    def __init__(self, hidden_size=8, num_heads=2, dropout=0.0):
        super().__init__()
        self.num_heads = num_heads
        self.head_dim = hidden_size // num_heads
        self.embed_dim = hidden_size
        self.query = nn.Linear(hidden_size, hidden_size)
        self.key = nn.Linear(hidden_size, hidden_size)
        self.value = nn.Linear(hidden_size, hidden_size)
        self.dropout = dropout

    @staticmethod
    def _get_global_attn_indices(is_index_global_attn):
        num_global_attn_indices = is_index_global_attn.long().sum(dim=1)
        max_num_global_attn_indices = num_global_attn_indices.max()
        is_index_global_attn_nonzero = is_index_global_attn.nonzero(as_tuple=True)
        is_local_index_global_attn = torch.arange(
            max_num_global_attn_indices, device=is_index_global_attn.device
        ) < num_global_attn_indices.unsqueeze(dim=-1)
        is_local_index_global_attn_nonzero = is_local_index_global_attn.nonzero(as_tuple=True)
        is_local_index_no_global_attn_nonzero = (is_local_index_global_attn == 0).nonzero(as_tuple=True)
        return (max_num_global_attn_indices, is_index_global_attn_nonzero,
                is_local_index_global_attn_nonzero, is_local_index_no_global_attn_nonzero)

    def _concat_with_global_key_attn_probs(self, key_vectors, query_vectors, max_num_global_attn_indices,
                                           is_index_global_attn_nonzero, is_local_index_global_attn_nonzero,
                                           is_local_index_no_global_attn_nonzero):
        batch_size = key_vectors.shape[0]
        key_vectors_only_global = key_vectors.new_zeros(
            batch_size, max_num_global_attn_indices, self.num_heads, self.head_dim)
        key_vectors_only_global[is_local_index_global_attn_nonzero] = key_vectors[is_index_global_attn_nonzero]
        attn_probs_from_global_key = torch.einsum("blhd,bshd->blhs", (query_vectors, key_vectors_only_global))
        attn_probs_from_global_key = attn_probs_from_global_key.transpose(1, 3)
        attn_probs_from_global_key[
            is_local_index_no_global_attn_nonzero[0], is_local_index_no_global_attn_nonzero[1], :, :
        ] = torch.finfo(attn_probs_from_global_key.dtype).min
        return attn_probs_from_global_key.transpose(1, 3)

    def _compute_attn_output_with_global_indices(self, value_vectors, attn_probs, max_num_global_attn_indices,
                                                 is_index_global_attn_nonzero,
                                                 is_local_index_global_attn_nonzero):
        batch_size = attn_probs.shape[0]
        attn_probs_only_global = attn_probs.narrow(-1, 0, max_num_global_attn_indices)
        value_vectors_only_global = value_vectors.new_zeros(
            batch_size, max_num_global_attn_indices, self.num_heads, self.head_dim)
        value_vectors_only_global[is_local_index_global_attn_nonzero] = value_vectors[is_index_global_attn_nonzero]
        attn_output_only_global = torch.matmul(
            attn_probs_only_global.transpose(1, 2).clone(), value_vectors_only_global.transpose(1, 2).clone()
        ).transpose(1, 2)
        attn_probs_without_global = attn_probs.narrow(
            -1, max_num_global_attn_indices, attn_probs.size(-1) - max_num_global_attn_indices
        ).contiguous()
        attn_output_without_global = torch.einsum("blhs,bshd->blhd", attn_probs_without_global, value_vectors)
        return attn_output_only_global + attn_output_without_global

    def forward(self, hidden_states, is_index_masked, is_index_global_attn):
        batch_size, seq_len, embed_dim = hidden_states.size()
        query_vectors = self.query(hidden_states) / (self.head_dim ** 0.5)
        key_vectors = self.key(hidden_states)
        value_vectors = self.value(hidden_states)
        query_vectors = query_vectors.view(batch_size, seq_len, self.num_heads, self.head_dim)
        key_vectors = key_vectors.view(batch_size, seq_len, self.num_heads, self.head_dim)
        value_vectors = value_vectors.view(batch_size, seq_len, self.num_heads, self.head_dim)

        attn_scores = torch.einsum("blhd,bshd->blhs", query_vectors, key_vectors)
        (max_num_global_attn_indices, is_index_global_attn_nonzero, is_local_index_global_attn_nonzero,
         is_local_index_no_global_attn_nonzero) = self._get_global_attn_indices(is_index_global_attn)
        global_key_attn_scores = self._concat_with_global_key_attn_probs(
            key_vectors, query_vectors, max_num_global_attn_indices, is_index_global_attn_nonzero,
            is_local_index_global_attn_nonzero, is_local_index_no_global_attn_nonzero)
        attn_scores = torch.cat((global_key_attn_scores, attn_scores), dim=-1)

        attn_probs = nn.functional.softmax(attn_scores, dim=-1, dtype=torch.float32)
        attn_probs = torch.masked_fill(attn_probs, is_index_masked[:, :, None, None], 0.0)
        attn_probs = attn_probs.type_as(attn_scores)
        attn_probs = nn.functional.dropout(attn_probs, p=self.dropout, training=self.training)

        attn_output = self._compute_attn_output_with_global_indices(
            value_vectors=value_vectors, attn_probs=attn_probs,
            max_num_global_attn_indices=max_num_global_attn_indices,
            is_index_global_attn_nonzero=is_index_global_attn_nonzero,
            is_local_index_global_attn_nonzero=is_local_index_global_attn_nonzero)
        attn_output = attn_output.reshape(batch_size, seq_len, embed_dim)
        # The attention weights for tokens with global attention are just filler values,
        # they were never used to compute the output. Fill with 0 now.
        attn_probs[is_index_global_attn_nonzero] = 0
        return attn_output, attn_probs


torch.manual_seed(0)
layer = LongformerSelfAttention()
layer.train()
hidden = torch.randn(1, 6, 8)
is_index_masked = torch.zeros(1, 6, dtype=torch.bool)
is_index_global_attn = torch.zeros(1, 6, dtype=torch.bool)
is_index_global_attn[:, 0] = True
out, probs = layer(hidden, is_index_masked, is_index_global_attn)
out.pow(2).mean().backward()
w = layer.value.weight
grad_ok = w.grad is not None and torch.isfinite(w.grad).all() and bool((probs[:, 0] == 0).all())
