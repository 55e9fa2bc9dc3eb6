# case: torchtune-tile-embedding-pad-then-add-into-padded
# source: https://github.com/pytorch/torchtune/blob/main/torchtune/modules/_export/_position_embeddings.py
# expect: clean
# torch: clean
# check: emb.embedding.grad is not None and emb.gate.grad is not None and x_in.grad is not None

# torchtune 0.6.1's export-friendly TilePositionalEmbedding.forward: `x = F.pad(x, ...)` then
# `x[batch_idx, :n, :, :] += pos_embed * self.gate.tanh()`. A constant pad saves nothing for backward (its
# gradient is a slice of the incoming one), so writing into its output is fine; a reflect/replicate pad saves its
# input. The analysis once took every F.pad for the reflect kind (a false IPL003). Reduced: the loop over the
# batch's aspect ratios as in the library, without the torch._check calls.
import torch
import torch.nn.functional as F
from torch import nn


class TilePositionalEmbedding(nn.Module):
    def __init__(self, max_num_tiles, embed_dim):
        super().__init__()
        self.max_num_tiles = max_num_tiles
        self.embed_dim = embed_dim
        scale = embed_dim ** -0.5
        self.embedding = nn.Parameter(scale * torch.randn(max_num_tiles, max_num_tiles, 1, embed_dim))
        self.gate = nn.Parameter(torch.zeros(1) + 0.5)

    def forward(self, x, aspect_ratio):
        bsz_and_n_imgs, n_tiles, n_tokens, embed_dim = x.shape
        for batch_idx, (n_tiles_h, n_tiles_w) in enumerate(aspect_ratio):
            n_tiles_h = n_tiles_h.item()
            n_tiles_w = n_tiles_w.item()
            n_non_padded_tiles = int(n_tiles_h * n_tiles_w)
            padded_embedding = F.pad(self.embedding, (0, 0, 0, 0, 0, 1, 0, 1))
            pos_embed = padded_embedding[:n_tiles_h, :n_tiles_w, :, :]
            pos_embed = pos_embed.clone()
            pos_embed = pos_embed.reshape(n_non_padded_tiles, 1, self.embed_dim)
            x = F.pad(x, (0, 0, 0, 0, 0, 1, 0, 0))
            x[batch_idx, :n_non_padded_tiles, :, :] += pos_embed * self.gate.tanh()
            x = x[:, :n_tiles, :, :]
        return x


torch.manual_seed(0)
emb = TilePositionalEmbedding(max_num_tiles=2, embed_dim=4)
x_in = torch.randn(2, 4, 3, 4, requires_grad=True)
out = emb(x_in * 1.0, torch.tensor([[2, 1], [1, 2]]))
out.sum().backward()
