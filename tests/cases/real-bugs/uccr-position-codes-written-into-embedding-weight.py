# case: uccr-position-codes-written-into-embedding-weight
# source: https://github.com/lisk123/UCCR/issues/6
# expect: markers
# torch: raises "a view of a leaf Variable that requires grad is being used in an in-place operation"

# The second write is marked too (inplace-lint suite convention): torch raises there as well when the first is removed.
# The thread: running UCCR (a conversational recommender built on CRSLab) as is fails with "a view
# of a leaf Variable that requires grad is being used in an in-place operation"; a reply locates it
# in the sinusoidal position codes written slice by slice into `out`, the position embedding's
# weight (the reply's own suggestion, detaching the right-hand side, would not help).
# Kept: TransformerDecoderKG.__init__ calling `create_position_codes(n_positions, embedding_size,
# out=self.position_embeddings.weight)` when positions are not learned, and create_position_codes
# writing `out[:, 0::2]` / `out[:, 1::2]` then `out.detach_(); out.requires_grad = False`.
# Completed: torch instead of numpy for the angle table, one decoder layer reduced to self-attention
# + FFN, tiny sizes, a forward and backward.
import math
import torch
import torch.nn as nn


def create_position_codes(n_pos, dim, out):
    pos = torch.arange(n_pos, dtype=torch.float32).unsqueeze(1)
    j = torch.arange(dim // 2, dtype=torch.float32).unsqueeze(0)
    position_enc = pos / torch.pow(10000, 2 * j / dim)
    out[:, 0::2] = torch.sin(position_enc).type_as(out)  # error: IPL002
    out[:, 1::2] = torch.cos(position_enc).type_as(out)  # error: IPL002
    out.detach_()
    out.requires_grad = False


class TransformerDecoderKG(nn.Module):
    def __init__(self, n_heads, n_layers, embedding_size, ffn_size, vocabulary_size, embedding,
                 dropout=0.0, embeddings_scale=True, learn_positional_embeddings=False, n_positions=32):
        super().__init__()
        self.dim = embedding_size
        self.embeddings_scale = embeddings_scale
        self.dropout = nn.Dropout(dropout)
        self.embeddings = embedding
        self.position_embeddings = nn.Embedding(n_positions, embedding_size)
        if not learn_positional_embeddings:
            create_position_codes(n_positions, embedding_size, out=self.position_embeddings.weight)
        else:
            nn.init.normal_(self.position_embeddings.weight, 0, embedding_size ** -0.5)
        self.layers = nn.ModuleList()
        for _ in range(n_layers):
            self.layers.append(nn.TransformerEncoderLayer(embedding_size, n_heads, ffn_size, dropout, batch_first=True))

    def forward(self, input):
        seq_len = input.size(1)
        positions = torch.arange(seq_len).unsqueeze(0)
        tensor = self.embeddings(input)
        if self.embeddings_scale:
            tensor = tensor * math.sqrt(self.dim)
        tensor = tensor + self.position_embeddings(positions).expand_as(tensor)
        tensor = self.dropout(tensor)
        for layer in self.layers:
            tensor = layer(tensor)
        return tensor, None


torch.manual_seed(0)
token_embedding = nn.Embedding(30, 16, padding_idx=0)
decoder = TransformerDecoderKG(n_heads=2, n_layers=1, embedding_size=16, ffn_size=32,
                               vocabulary_size=30, embedding=token_embedding)
tokens = torch.randint(1, 30, (2, 7))
out, _ = decoder(tokens)
out.pow(2).mean().backward()
