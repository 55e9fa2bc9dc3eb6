# case: nyu-dlsp20-sinusoidal-embeddings-into-weight
# source: https://github.com/Atcold/NYU-DLSP20/issues/765
# expect: markers
# torch: raises "a view of a leaf Variable that requires grad is being used in an in-place operation"

# The course's transformer notebook: create_sinusoidal_embeddings(nb_p, dim, E) fills the position embedding table,
# passed in as E = self.position_embeddings.weight, through strided slices (both writes are flagged: torch stops at
# the first). numpy is not installed here: np.sin /
# np.cos of the numpy table are torch.sin / torch.cos of a torch table.
import torch
import torch.nn as nn


def create_sinusoidal_embeddings(nb_p, dim, E):
    theta = torch.tensor([[p / (10000 ** (2 * (j // 2) / dim)) for j in range(dim)] for p in range(nb_p)])
    E[:, 0::2] = torch.FloatTensor(torch.sin(theta[:, 0::2]))  # error: IPL002
    E[:, 1::2] = torch.FloatTensor(torch.cos(theta[:, 1::2]))  # error: IPL002
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
