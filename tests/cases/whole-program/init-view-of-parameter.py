# case: init-view-of-parameter
# source: inplace-lint issue #13 (the init_pos example)
# expect: markers
# torch: raises "a view of a leaf Variable that requires grad is being used in an in-place operation"

import torch
import torch.nn as nn

theta = torch.randn(16, 8)


def init_pos(E):
    E[:, 0::2] = torch.sin(theta[:, 0::2])  # error: IPL002


class Emb(nn.Module):
    def __init__(self):
        super().__init__()
        self.pos = nn.Embedding(16, 8)
        init_pos(self.pos.weight)


Emb()
