# case: peft-lora-embedding-input-grads-hook-fixed
# source: https://github.com/huggingface/peft/pull/1372
# expect: clean
# torch: clean
# check: model.embed_tokens.lora_embedding_A["default"].grad is not None and model.embed_tokens.lora_embedding_A["default"].grad.abs().sum() > 0

# The fix merged in PEFT PR #1372: the LoRA contribution is added out of place,
# `result = result + (after_A @ embedding_B) * scaling`, so the leaf produced by the
# `enable_input_require_grads` hook is never written to.  Same model, same hook.
import torch
import torch.nn as nn
import torch.nn.functional as F


class TinyLM(nn.Module):
    def __init__(self, vocab=20, dim=8):
        super().__init__()
        self.embed_tokens = nn.Embedding(vocab, dim)
        self.lm_head = nn.Linear(dim, vocab, bias=False)

    def get_input_embeddings(self):
        return self.embed_tokens

    def enable_input_require_grads(self):
        def make_inputs_require_grads(module, input, output):
            output.requires_grad_(True)

        self._require_grads_hook = self.get_input_embeddings().register_forward_hook(
            make_inputs_require_grads
        )

    def forward(self, input_ids):
        h = self.embed_tokens(input_ids)
        return self.lm_head(h)


class LoraEmbedding(nn.Module):
    def __init__(self, base_layer, adapter_name="default", r=4, lora_alpha=8):
        super().__init__()
        self.base_layer = base_layer
        self.active_adapters = [adapter_name]
        self.scaling = {adapter_name: lora_alpha / r}
        self.lora_embedding_A = nn.ParameterDict(
            {adapter_name: nn.Parameter(torch.zeros(r, base_layer.num_embeddings))}
        )
        self.lora_embedding_B = nn.ParameterDict(
            {adapter_name: nn.Parameter(torch.randn(base_layer.embedding_dim, r))}
        )

    def _embed(self, input, weight):
        return F.embedding(input, weight)

    def forward(self, x):
        result = self.base_layer(x)
        for active_adapter in self.active_adapters:
            embedding_A = self.lora_embedding_A[active_adapter].T
            embedding_B = self.lora_embedding_B[active_adapter].T
            scaling = self.scaling[active_adapter]
            after_A = self._embed(x, embedding_A)
            result = result + (after_A @ embedding_B) * scaling
        return result


model = TinyLM()
model.enable_input_require_grads()
for p in model.parameters():
    p.requires_grad_(False)
model.embed_tokens = LoraEmbedding(model.embed_tokens)

input_ids = torch.randint(0, 20, (2, 5))
logits = model(input_ids)
loss = logits.logsumexp(-1).mean()
loss.backward()
