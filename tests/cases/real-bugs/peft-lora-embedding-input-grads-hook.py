# case: peft-lora-embedding-input-grads-hook
# source: https://github.com/huggingface/peft/pull/1372
# expect: markers
# torch: raises "a leaf Variable that requires grad is being used in an in-place operation"

# PEFT's LoRA `Embedding.forward` did `result = self.base_layer(x)` and then
# `result += (after_A @ embedding_B) * scaling`.  The base embedding is frozen, but
# transformers' `model.enable_input_require_grads()` (huggingface/transformers#21598,
# needed for gradient checkpointing with PEFT) registers a forward hook on the input
# embedding that calls `output.requires_grad_(True)`.  Because the hook was registered on
# the original nn.Embedding before PEFT wrapped it, the base layer's output comes back as
# a *leaf* that requires grad, and the `+=` in the LoRA layer fails.
# Kept: the hook function `make_inputs_require_grad`, the wrapper holding `base_layer`,
# `lora_embedding_A/B` ParameterDicts, `_embed`, the per-adapter loop and the `+=`.
# Completed: a tiny CausalLM-like model, `enable_input_require_grads` and a manual
# "get_peft_model" step (replace the embedding with the LoRA wrapper); sizes reduced.
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
        # transformers.PreTrainedModel.enable_input_require_grads
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
            result += (after_A @ embedding_B) * scaling  # error: IPL001
        return result


model = TinyLM()
model.enable_input_require_grads()          # e.g. prepare_model_for_kbit_training
for p in model.parameters():
    p.requires_grad_(False)
# "get_peft_model" with target_modules=["embed_tokens"]
model.embed_tokens = LoraEmbedding(model.embed_tokens)

input_ids = torch.randint(0, 20, (2, 5))
logits = model(input_ids)
loss = logits.logsumexp(-1).mean()
loss.backward()
