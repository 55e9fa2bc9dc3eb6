# case: embedding-replaced-by-adapter-at-top-level-then-adds-into-hooked-leaf
# source: https://github.com/huggingface/peft/pull/1372
# expect: markers
# torch: raises "a leaf Variable that requires grad is being used in an in-place operation"

# `enable_input_require_grads()` puts a forward hook on the frozen embedding that makes its output require grad (a
# leaf); the script then replaces the model's embedding with an adapter wrapping it (`model.embed_tokens =
# Adapter(model.embed_tokens)`, once, at the top level), and the adapter adds its update into the hooked output in
# place.
import torch
import torch.nn as nn


def make_inputs_require_grads(module, input, output):
    output.requires_grad_(True)


class Adapter(nn.Module):
    def __init__(self, base):
        super().__init__()
        self.base_layer = base
        self.B = nn.Parameter(torch.randn(8, 8))

    def forward(self, x):
        result = self.base_layer(x)
        result += result.detach() @ self.B  # error: IPL001
        return result


class LM(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed_tokens = nn.Embedding(20, 8)
        self.head = nn.Linear(8, 3)

    def forward(self, ids):
        return self.head(self.embed_tokens(ids))


model = LM()
model.embed_tokens.register_forward_hook(make_inputs_require_grads)
for p in model.parameters():
    p.requires_grad_(False)
model.embed_tokens = Adapter(model.embed_tokens)
model(torch.randint(0, 20, (2, 5))).sum().backward()
