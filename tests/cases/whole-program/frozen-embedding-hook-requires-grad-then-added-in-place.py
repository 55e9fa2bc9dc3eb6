# case: frozen-embedding-hook-requires-grad-then-added-in-place
# expect: markers
# torch: raises "a leaf Variable that requires grad is being used in an in-place operation"

# transformers' `enable_input_require_grads` registers a forward hook that calls `output.requires_grad_(True)` on the
# input embeddings, so that gradient checkpointing sees an input that requires grad when the LLM is frozen. The
# embedding's weight does not require grad, so its output is a leaf, and the hook makes it a leaf that requires grad:
# adding the (dummy) media embedding into it in place raises at once (VILA PR #199, MiniCPM-V #730).
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
        embeds += extra  # error: IPL001
        return self.head(embeds)


model = TinyLM()
model.enable_input_require_grads()
ids = torch.randint(0, 32, (2, 5))
model(ids, torch.randn(2, 5, 16)).sum().backward()
