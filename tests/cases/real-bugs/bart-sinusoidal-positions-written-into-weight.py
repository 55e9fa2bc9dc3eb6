# case: bart-sinusoidal-positions-written-into-weight
# source: https://github.com/huggingface/transformers/pull/8226
# expect: markers
# torch: raises "a view of a leaf Variable that requires grad is being used in an in-place operation"

# src/transformers/modeling_bart.py before the PR ("fixes a bug 'RuntimeError: a view of a leaf Variable that
# requires grad is being used in an in-place operation' appearing in pytorch-1.8+"): SinusoidalPositionalEmbedding,
# used by the static-position models (Marian, Pegasus), passes its own nn.Parameter `self.weight` to the static
# helper _init_weight, which writes the sin and cos halves into column slices of it and only afterwards sets
# requires_grad = False. The PR moves `out.requires_grad = False` before the writes. Kept: the embedding class and
# its forward, and the way the encoder uses it (token embeddings scaled, positions added). Reduced: numpy replaced
# by torch for the table, a one-layer encoder and a token-classification head, one training step.
import math

import torch
import torch.nn as nn


class SinusoidalPositionalEmbedding(nn.Embedding):
    """This module produces sinusoidal positional embeddings of any length."""

    def __init__(self, num_positions, embedding_dim, padding_idx=None):
        super().__init__(num_positions, embedding_dim)
        if embedding_dim % 2 != 0:
            raise NotImplementedError(f"odd embedding_dim {embedding_dim} not supported")
        self.weight = self._init_weight(self.weight)

    @staticmethod
    def _init_weight(out: nn.Parameter):
        """Identical to the XLM create_sinusoidal_embeddings except features are not interleaved.
        The cos features are in the 2nd half of the vector. [dim // 2:]
        """
        n_pos, dim = out.shape
        position_enc = torch.tensor(
            [[pos / math.pow(10000, 2 * (j // 2) / dim) for j in range(dim)] for pos in range(n_pos)]
        )
        out[:, 0: dim // 2] = torch.sin(position_enc[:, 0::2])  # error: IPL002
        out[:, dim // 2:] = torch.cos(position_enc[:, 1::2])  # error: IPL002
        out.detach_()
        out.requires_grad = False
        return out

    @torch.no_grad()
    def forward(self, input_ids, use_cache=False):
        """Input is expected to be of size [bsz x seqlen]."""
        bsz, seq_len = input_ids.shape[:2]
        if use_cache:
            positions = input_ids.data.new(1, 1).fill_(seq_len - 1)  # called before slicing
        else:
            # starts at 0, ends at 1-seq_len
            positions = torch.arange(seq_len, dtype=torch.long, device=self.weight.device)
        return super().forward(positions)


class TinyEncoder(nn.Module):
    def __init__(self, vocab_size, d_model, max_position_embeddings, pad_token_id, num_labels):
        super().__init__()
        self.embed_scale = math.sqrt(d_model)
        self.embed_tokens = nn.Embedding(vocab_size, d_model, pad_token_id)
        self.embed_positions = SinusoidalPositionalEmbedding(max_position_embeddings, d_model, pad_token_id)
        self.layer = nn.Sequential(nn.Linear(d_model, d_model), nn.GELU(), nn.LayerNorm(d_model))
        self.head = nn.Linear(d_model, num_labels)

    def forward(self, input_ids):
        inputs_embeds = self.embed_tokens(input_ids) * self.embed_scale
        embed_pos = self.embed_positions(input_ids)
        x = inputs_embeds + embed_pos
        return self.head(self.layer(x))


torch.manual_seed(0)
model = TinyEncoder(vocab_size=30, d_model=16, max_position_embeddings=12, pad_token_id=1, num_labels=3)
optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-3)
input_ids = torch.randint(2, 30, (2, 7))
labels = torch.randint(0, 3, (2, 7))
optimizer.zero_grad()
logits = model(input_ids)
loss = nn.functional.cross_entropy(logits.view(-1, 3), labels.view(-1))
loss.backward()
optimizer.step()
