# case: ema-codebook-update-after-argmin-distances
# source: https://github.com/Project-MONAI/MONAI/blob/dev/monai/networks/layers/vector_quantizer.py (the EMA vector quantizer: the codebook is updated through `.data` after the distances only gave indices)
# expect: clean
# torch: clean
# check: x.grad is not None and torch.allclose(x.grad, reference_grad)
import torch
from torch import nn


class EMAQuantizer(nn.Module):
    def __init__(self, num_embeddings=8, embedding_dim=4, decay=0.9):
        super().__init__()
        self.embedding = nn.Embedding(num_embeddings, embedding_dim)
        self.embedding.weight.requires_grad = False
        self.decay = decay
        self.register_buffer("ema_w", self.embedding.weight.data.clone())

    def quantize(self, inputs):
        flat_input = inputs.reshape(-1, self.embedding.weight.shape[1])
        distances = (
            (flat_input**2).sum(dim=1, keepdim=True)
            + (self.embedding.weight.t() ** 2).sum(dim=0, keepdim=True)
            - 2 * torch.mm(flat_input, self.embedding.weight.t())
        )
        encoding_indices = torch.max(-distances, dim=1)[1]
        encodings = torch.nn.functional.one_hot(encoding_indices, self.embedding.weight.shape[0]).float()
        return flat_input, encodings, encoding_indices

    def forward(self, inputs):
        flat_input, encodings, encoding_indices = self.quantize(inputs)
        quantized = self.embedding(encoding_indices).view_as(inputs)
        if self.training:
            with torch.no_grad():
                dw = torch.mm(encodings.t(), flat_input)
                self.ema_w.data.mul_(self.decay).add_(torch.mul(dw, 1 - self.decay))
                self.embedding.weight.data.copy_(self.ema_w)
        loss = 0.25 * torch.nn.functional.mse_loss(quantized.detach(), inputs)
        quantized = inputs + (quantized - inputs).detach()
        return quantized, loss


torch.manual_seed(0)
x = torch.randn(6, 4, requires_grad=True)
quantizer = EMAQuantizer()
codebook = quantizer.embedding.weight.detach().clone()  # before the EMA update
q, loss = quantizer(x)
(q.sum() + loss).backward()
nearest = codebook[torch.cdist(x.detach(), codebook).argmin(dim=1)]
reference_grad = 1 + 0.25 * 2 * (x.detach() - nearest) / x.numel()  # straight-through + commitment term
