# case: torchao-vector-quantizer-function-updates-codebook
# source: https://github.com/pytorch/ao/blob/main/torchao/prototype/quantization/module_swap/quantizers.py
# expect: clean
# torch: clean
# check: x.grad is not None and not torch.equal(vq.codebook.detach(), c0)

# torchao 0.18's VectorQuantizerFunction.forward updates the codebook in place (`codebook.copy_(sums / counts)`, a
# k-means step) and its backward returns `grad_output, None`: the codebook is state the Function updates, with no
# gradient (a Parameter with requires_grad=False), not an input it differentiates, so `ctx.mark_dirty` is not
# what is missing. The analysis once reported IPL007 there. Reduced: the `.cuda()` calls dropped (CPU).
import torch
from torch import nn


class VectorQuantizerFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, inputs, codebook):
        flat_inputs = inputs.view(-1, codebook.shape[1])
        distances = torch.cdist(flat_inputs, codebook)
        indices = torch.argmin(distances, dim=1)
        sums = torch.zeros_like(codebook).float()
        counts = torch.zeros(codebook.size(0), dtype=torch.float)
        sums.index_add_(0, indices, flat_inputs.float())
        ones = torch.ones(flat_inputs.size(0), dtype=torch.float)
        counts.index_add_(0, indices, ones)
        counts = counts.unsqueeze(1).clamp(min=1.0)
        codebook.copy_(sums / counts)
        quantized = codebook[indices].view_as(inputs)
        return quantized

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output, None


class VectorQuantizer(nn.Module):
    def __init__(self, n, dim):
        super().__init__()
        self.codebook = nn.Parameter(torch.randn(n, dim), requires_grad=False)

    def forward(self, x):
        scaling_factor = torch.mean(abs(x), dim=1, keepdim=True).detach()
        return scaling_factor * VectorQuantizerFunction.apply(x / scaling_factor, self.codebook)


torch.manual_seed(0)
vq = VectorQuantizer(4, 2)
c0 = vq.codebook.detach().clone()
x = torch.randn(3, 2, requires_grad=True)
vq(x).sum().backward()
