# case: ema-codebook-soft-assignment-updated-through-data
# source: inplace-lint issue #13 (the bug beside ema-codebook-update-after-argmin-distances: the distances feed a soft assignment that the loss uses, so their graph, which saved the codebook, is alive when `.data` overwrites it)
# expect: markers
# torch: clean
# check: not torch.allclose(x.grad, reference_grad)
import torch
from torch import nn


class SoftQuantizer(nn.Module):
    def __init__(self, num_embeddings=8, embedding_dim=4, decay=0.5):
        super().__init__()
        self.embedding = nn.Embedding(num_embeddings, embedding_dim)
        self.embedding.weight.requires_grad = False
        self.decay = decay
        self.register_buffer("ema_w", torch.randn(num_embeddings, embedding_dim))

    def assign(self, inputs):
        distances = 2 * torch.mm(inputs, self.embedding.weight.t())
        return torch.softmax(distances, dim=1)

    def forward(self, inputs):
        probs = self.assign(inputs)
        with torch.no_grad():
            self.embedding.weight.data.copy_(self.ema_w)  # error: IPL004
        return probs


torch.manual_seed(0)
x = torch.randn(6, 4, requires_grad=True)
quantizer = SoftQuantizer()
codebook = quantizer.embedding.weight.detach().clone()  # what the distances were computed with
target = torch.randn(6, 8)
(quantizer(x) * target).sum().backward()
x_ref = x.detach().clone().requires_grad_()
(torch.softmax(2 * x_ref @ codebook.t(), dim=1) * target).sum().backward()
reference_grad = x_ref.grad
