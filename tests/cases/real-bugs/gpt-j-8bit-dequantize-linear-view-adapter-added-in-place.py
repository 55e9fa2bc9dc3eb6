# case: gpt-j-8bit-dequantize-linear-view-adapter-added-in-place
# source: https://github.com/gustavecortal/gpt-j-fine-tuning-example/issues/1
# expect: markers
# torch: raises "is a view and is being modified inplace. This view was created inside a custom Function"

# The thread: fine-tuning 8-bit GPT-J with LoRA adapters (finetune_8bit_models.ipynb). FrozenBNBLinear.forward
# calls the custom Function DequantizeAndLinear, whose forward returned `F.linear(input, weights_deq, bias)`, then
# adds the adapter in place: `output += self.adapter(input)`. On a (batch, seq, hidden) input with a bias,
# F.linear returns a view (the matmul result reshaped), so the Function's output is a view made inside a custom
# Function and the `+=` raises "Output 0 of DequantizeAndLinearBackward is a view and is being modified inplace".
# The fix in the thread (merged into the notebook) returns `F.linear(...).clone()`.
# Reduced: bitsandbytes' blockwise (de)quantization is replaced by a plain helper that rescales a uint8 code
# table (`code[weights_quantized.long()] * absmax`); the custom_fwd/custom_bwd decorators (CUDA autocast) are
# dropped; one FrozenBNBLinear (hidden 4, 2 tokens) with a LoRA adapter attached by `add_adapters`, as in the
# notebook, and an nn.Embedding in front so the input requires grad.

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
            output += self.adapter(input)  # warning: IPL012
        return output


class DequantizeAndLinear(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input, weights_quantized, absmax, code, bias):
        weights_deq = dequantize_blockwise(weights_quantized, absmax=absmax, code=code)
        ctx.save_for_backward(input, weights_quantized, absmax, code)
        ctx._has_bias = bias is not None
        return F.linear(input, weights_deq, bias)

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
