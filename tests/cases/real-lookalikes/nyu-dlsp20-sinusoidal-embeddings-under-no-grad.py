# case: nyu-dlsp20-sinusoidal-embeddings-under-no-grad
# source: https://github.com/Atcold/NYU-DLSP20/issues/765
# expect: clean
# torch: clean
# check: not embeddings.position_embeddings.weight.requires_grad and torch.allclose(embeddings.position_embeddings.weight[1, 0], torch.sin(torch.tensor(1.0)))

# The fix the reporter found (the discuss.pytorch.org answer linked in the issue): fill the table under
# torch.no_grad(), since the positional encoding is computed, not learned.
import torch
import torch.nn as nn


def create_sinusoidal_embeddings(nb_p, dim, E):
    theta = torch.tensor([[p / (10000 ** (2 * (j // 2) / dim)) for j in range(dim)] for p in range(nb_p)])
    with torch.no_grad():
        E[:, 0::2] = torch.FloatTensor(torch.sin(theta[:, 0::2]))
        E[:, 1::2] = torch.FloatTensor(torch.cos(theta[:, 1::2]))
    E.detach_()
    E.requires_grad = False
    E = E.to(device)


device = torch.device("cpu")


class Embeddings(nn.Module):
    def __init__(self, d_model, vocab_size, max_position_embeddings, p):
        super().__init__()
        self.word_embeddings = nn.Embedding(vocab_size, d_model, padding_idx=1)
        self.position_embeddings = nn.Embedding(max_position_embeddings, d_model)
        create_sinusoidal_embeddings(nb_p=max_position_embeddings,
                                     dim=d_model,
                                     E=self.position_embeddings.weight)
        self.LayerNorm = nn.LayerNorm(d_model, eps=1e-12)


embeddings = Embeddings(d_model=4, vocab_size=10, max_position_embeddings=6, p=0.1)
