# case: vector-quantize-learnable-codebook-setter
# source: https://github.com/lucidrains/vector-quantize-pytorch/blob/master/vector_quantize_pytorch/vector_quantize_pytorch.py
# expect: markers
# torch: raises "a leaf Variable that requires grad is being used in an in-place operation"

# vector-quantize-pytorch's codebook (EuclideanCodebook's `embed`, a Parameter when `learnable_codebook=True`, a
# buffer otherwise) and VectorQuantize's `codebook` property with its setter, as in the library (the rest of both
# classes left out). Setting the codes of a learnable codebook copies into the Parameter with grad mode on: torch
# raises (checked with the library itself: `VectorQuantize(dim=8, codebook_size=16, learnable_codebook=True,
# ema_update=False).codebook = codes`); with the default buffer codebook it works.
import torch
from torch import nn
from torch.nn import Module


class EuclideanCodebook(Module):
    def __init__(self, dim, codebook_size, num_codebooks=1, learnable_codebook=False):
        super().__init__()
        embed = torch.randn(num_codebooks, codebook_size, dim)
        self.learnable_codebook = learnable_codebook
        if learnable_codebook:
            self.embed = nn.Parameter(embed)
        else:
            self.register_buffer('embed', embed)


class VectorQuantize(Module):
    def __init__(self, dim, codebook_size, learnable_codebook=False, separate_codebook_per_head=False):
        super().__init__()
        self.separate_codebook_per_head = separate_codebook_per_head
        self._codebook = EuclideanCodebook(dim, codebook_size, learnable_codebook=learnable_codebook)

    @property
    def codebook(self):
        codebook = self._codebook.embed
        if self.separate_codebook_per_head:
            return codebook
        return codebook[0]

    @codebook.setter
    def codebook(self, codes):
        if not self.separate_codebook_per_head:
            codes = codes[None]

        self._codebook.embed.copy_(codes)  # error: IPL001


vq = VectorQuantize(dim=8, codebook_size=16, learnable_codebook=True)
vq.codebook = torch.randn(16, 8)
