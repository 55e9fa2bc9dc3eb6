# case: bart-sinusoidal-positions-written-after-requires-grad-off
# source: https://github.com/huggingface/transformers/pull/8226
# expect: clean
# torch: clean
# check: torch.allclose(model.embed_positions.weight, expected_table, atol=1e-6) and not model.embed_positions.weight.requires_grad and model.embed_positions.weight.grad is None and model.embed_tokens.weight.grad is not None

# The PR's fix of SinusoidalPositionalEmbedding._init_weight: `out.requires_grad = False` is set first ("set early
# to avoid an error in pytorch-1.8+"), so the sin/cos halves are written into a parameter that no longer requires
# grad. Same reduced encoder and training step as real-bugs/bart-sinusoidal-positions-written-into-weight; the check
# compares the frozen table with sin/cos computed independently, and the step trains the token embeddings only.
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
        out.requires_grad = False  # set early to avoid an error in pytorch-1.8+
        out[:, 0: dim // 2] = torch.sin(position_enc[:, 0::2])
        out[:, dim // 2:] = torch.cos(position_enc[:, 1::2])
        out.detach_()
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

pos = torch.arange(12, dtype=torch.float64).unsqueeze(1)
inv_freq = torch.pow(10000.0, -torch.arange(0, 16, 2, dtype=torch.float64) / 16)
expected_table = torch.cat([torch.sin(pos * inv_freq), torch.cos(pos * inv_freq)], dim=1).float()
