# case: init-view-of-parameter-no-grad
# source: inplace-lint issue #13 (the init_pos example, done under no_grad as nn.init does)
# expect: clean
# torch: clean
# check: torch.equal(emb.pos.weight[:, 0::2], torch.sin(theta[:, 0::2])) and emb.pos.weight.requires_grad

import torch
import torch.nn as nn

theta = torch.randn(16, 8)


def init_pos(E):
    with torch.no_grad():
        E[:, 0::2] = torch.sin(theta[:, 0::2])


class Emb(nn.Module):
    def __init__(self):
        super().__init__()
        self.pos = nn.Embedding(16, 8)
        init_pos(self.pos.weight)


emb = Emb()
