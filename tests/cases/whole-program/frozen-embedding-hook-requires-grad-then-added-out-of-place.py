# case: frozen-embedding-hook-requires-grad-then-added-out-of-place
# expect: clean
# torch: clean
# check: model.head.weight.grad is not None

# frozen-embedding-hook-requires-grad-then-added-in-place with the media embedding added out of place (the fix both
# projects made): a new tensor, and backward reaches the head.
import torch
import torch.nn as nn


class TinyLM(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed_tokens = nn.Embedding(32, 16)
        self.embed_tokens.weight.requires_grad_(False)
        self.head = nn.Linear(16, 32)

    def enable_input_require_grads(self):
        def make_inputs_require_grads(module, input, output):
            output.requires_grad_(True)

        self.hook = self.embed_tokens.register_forward_hook(make_inputs_require_grads)

    def forward(self, ids, extra):
        embeds = self.embed_tokens(ids)
        embeds = embeds + extra
        return self.head(embeds)


model = TinyLM()
model.enable_input_require_grads()
ids = torch.randint(0, 32, (2, 5))
model(ids, torch.randn(2, 5, 16)).sum().backward()
