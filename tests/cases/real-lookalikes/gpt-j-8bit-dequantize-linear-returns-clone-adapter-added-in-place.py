# case: gpt-j-8bit-dequantize-linear-returns-clone-adapter-added-in-place
# source: https://github.com/gustavecortal/gpt-j-fine-tuning-example/issues/1
# expect: clean
# torch: clean
# check: torch.allclose(model[0].weight.grad, ref_emb_grad) and torch.allclose(lin.adapter[1].weight.grad, ref_adapter_grad)

# The look-alike of gpt-j-8bit-dequantize-linear-view-adapter-added-in-place: the fix given in the thread and
# merged into the notebook, DequantizeAndLinear.forward returns `F.linear(input, weights_deq, bias).clone()`, a
# fresh tensor, so FrozenBNBLinear's `output += self.adapter(input)` writes into a normal tensor. The reference
# gradients are computed from the same layer written with plain out-of-place ops.

import torch
import torch.nn.functional as F
from torch import nn


def dequantize_blockwise(weights_quantized, absmax, code):
    return code[weights_quantized.long()] * absmax


class FrozenBNBLinear(nn.Module):
    def __init__(self, weight, absmax, code, bias=None):
        assert isinstance(bias, nn.Parameter) or bias is None
        super().__init__()
        self.out_features, self.in_features = weight.shape
        self.register_buffer("weight", weight.requires_grad_(False))
        self.register_buffer("absmax", absmax.requires_grad_(False))
        self.register_buffer("code", code.requires_grad_(False))
        self.adapter = None
        self.bias = bias

    def forward(self, input):
        output = DequantizeAndLinear.apply(input, self.weight, self.absmax, self.code, self.bias)
        if self.adapter:
            output += self.adapter(input)
        return output


class DequantizeAndLinear(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input, weights_quantized, absmax, code, bias):
        weights_deq = dequantize_blockwise(weights_quantized, absmax=absmax, code=code)
        ctx.save_for_backward(input, weights_quantized, absmax, code)
        ctx._has_bias = bias is not None
        return F.linear(input, weights_deq, bias).clone()

    @staticmethod
    def backward(ctx, grad_output):
        assert not ctx.needs_input_grad[1] and not ctx.needs_input_grad[2] and not ctx.needs_input_grad[3]
        input, weights_quantized, absmax, code = ctx.saved_tensors
        weights_deq = dequantize_blockwise(weights_quantized, absmax=absmax, code=code)
        grad_input = grad_output @ weights_deq
        grad_bias = grad_output.flatten(0, -2).sum(dim=0) if ctx._has_bias else None
        return grad_input, None, None, None, grad_bias


def add_adapters(model, adapter_dim=2):
    for module in model.modules():
        if isinstance(module, FrozenBNBLinear):
            module.adapter = nn.Sequential(
                nn.Linear(module.in_features, adapter_dim, bias=False),
                nn.Linear(adapter_dim, module.out_features, bias=False),
            )
            nn.init.zeros_(module.adapter[1].weight)


torch.manual_seed(0)
hidden = 4
code = torch.linspace(-1.0, 1.0, 256)
weights_int8 = torch.randint(0, 256, (hidden, hidden), dtype=torch.uint8)
model = nn.Sequential(
    nn.Embedding(10, hidden),
    FrozenBNBLinear(weights_int8, torch.tensor(0.5), code, bias=nn.Parameter(torch.zeros(hidden))),
)
add_adapters(model)

input_ids = torch.tensor([[1, 2], [3, 4]])
out = model(input_ids)
loss = out.pow(2).mean()
loss.backward()

lin = model[1]
emb_w = model[0].weight.detach().clone().requires_grad_()
a0 = lin.adapter[0].weight.detach().clone()
a1 = lin.adapter[1].weight.detach().clone().requires_grad_()
x = F.embedding(input_ids, emb_w)
w_deq = dequantize_blockwise(lin.weight, lin.absmax, lin.code)
ref_out = F.linear(x, w_deq, lin.bias.detach()) + F.linear(F.linear(x, a0), a1)
ref_emb_grad, ref_adapter_grad = torch.autograd.grad(ref_out.pow(2).mean(), [emb_w, a1])
